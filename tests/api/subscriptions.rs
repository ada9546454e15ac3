//! Live subscriptions over graphql-transport-ws: delivery, every protocol error's close
//! code, and delivery across two server processes on one PostgreSQL database.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::db_test;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const SUBSCRIBE: &str = "subscription($after: String) { recordChanged(types: [PERSON], after: $after) { cursor op type externalId version after by { partner { slug } } } }";

async fn connect(addr: &str, protocol: Option<&str>) -> Socket {
    connect_at(addr, "/graphql/ws", protocol).await
}

async fn connect_at(addr: &str, path: &str, protocol: Option<&str>) -> Socket {
    let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
    if let Some(p) = protocol {
        request
            .headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_str(p).unwrap());
    }
    connect_async(request).await.expect("the WebSocket opens").0
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// The next message (a JSON object, or `{"close": code}`), within 20 seconds.
async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("a message in time");
        match message {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).unwrap(),
            Some(Ok(Message::Close(frame))) => {
                return json!({ "close": frame.map(|f| u16::from(f.code)) });
            }
            Some(Ok(_)) => continue,
            other => return json!({ "close": null, "other": format!("{other:?}") }),
        }
    }
}

async fn init(socket: &mut Socket, key: &str) {
    send(socket, json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {key}") } })).await;
    assert_eq!(next(socket).await["type"], "connection_ack");
}

db_test!(changes_are_delivered_live, seeded, |app| {
    let key = app.key("iom", "write").await;
    let addr = app.serve().await.to_string();
    let mut socket = connect(&addr, Some("graphql-transport-ws")).await;
    init(&mut socket, &key).await;
    send(&mut socket, json!({ "type": "ping" })).await;
    assert_eq!(next(&mut socket).await["type"], "pong");
    // Where the feed is now: the subscription starts from there, whenever it gets going.
    app.data_as(&key, r#"mutation { createTheme(input: {code: "not-a-person", scheme: FREE, title: [{lang: "en", text: "x"}]}) { id } }"#, json!({})).await;
    let now = app
        .data_as(
            &key,
            "{ changes(first: 100) { pageInfo { endCursor hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(now["changes"]["pageInfo"]["hasNextPage"], false, "{now}");
    let now = now["changes"]["pageInfo"]["endCursor"].clone();
    let subscribe = |id: &str, after: &Value| json!({ "type": "subscribe", "id": id, "payload": { "query": SUBSCRIBE, "variables": { "after": after } } });
    send(&mut socket, subscribe("s1", &now)).await;
    app.data_as(
        &key,
        r#"mutation { upsertPerson(externalId: "P-1", input: {name: "Live"}) { outcome } }"#,
        json!({}),
    )
    .await;
    app.data_as(&key, r#"mutation { createTheme(input: {code: "not-a-person-either", scheme: FREE, title: [{lang: "en", text: "x"}]}) { id } }"#, json!({})).await;
    app.data_as(&key, r#"mutation { upsertPerson(externalId: "P-1", input: {name: "Live, renamed"}) { outcome } }"#, json!({})).await;
    let mut last = Value::Null;
    for (op, version, name) in [("CREATE", 1, "Live"), ("UPDATE", 2, "Live, renamed")] {
        let m = next(&mut socket).await;
        assert_eq!(m["type"], "next", "{m}");
        assert_eq!(m["id"], "s1");
        let mut c = m["payload"]["data"]["recordChanged"].clone();
        // The values this change wrote (`node` would show the record as it is now).
        assert_eq!(c["after"]["columns"]["name"], name, "{c}");
        last = c["cursor"].clone();
        c.as_object_mut().unwrap().remove("after");
        c.as_object_mut().unwrap().remove("cursor");
        assert_eq!(
            c,
            json!({ "op": op, "type": "PERSON", "externalId": "P-1", "version": version, "by": { "partner": { "slug": "iom" } } })
        );
    }
    // Completing frees the id for another subscription.
    send(&mut socket, json!({ "type": "complete", "id": "s1" })).await;
    app.data_as(
        &key,
        r#"mutation { upsertPerson(externalId: "P-2", input: {name: "Again"}) { outcome } }"#,
        json!({}),
    )
    .await;
    // Resuming after the last change seen delivers what was committed meanwhile.
    send(&mut socket, subscribe("s1", &last)).await;
    assert_eq!(
        next(&mut socket).await["payload"]["data"]["recordChanged"]["externalId"],
        "P-2"
    );
    // Queries run over the socket too: one `next`, then `complete`.
    send(&mut socket, json!({ "type": "subscribe", "id": "q1", "payload": { "query": "{ dialogues { totalCount } }" } })).await;
    let m = next(&mut socket).await;
    assert_eq!(
        (
            m["type"].as_str(),
            m["payload"]["data"]["dialogues"]["totalCount"].as_i64()
        ),
        (Some("next"), Some(4))
    );
    assert_eq!(
        next(&mut socket).await,
        json!({ "type": "complete", "id": "q1" })
    );
    // Invalid operations get an `error` message with coded errors, and the socket stays.
    send(&mut socket, json!({ "type": "subscribe", "id": "bad", "payload": { "query": "subscription { nope }" } })).await;
    let m = next(&mut socket).await;
    assert_eq!(
        (m["type"].as_str(), m["id"].as_str()),
        (Some("error"), Some("bad"))
    );
    assert_eq!(
        m["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
});

db_test!(anonymous_subscribers_are_refused, seeded, |app| {
    let addr = app.serve().await.to_string();
    let mut socket = connect(&addr, Some("graphql-transport-ws")).await;
    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(next(&mut socket).await["type"], "connection_ack");
    send(
        &mut socket,
        json!({ "type": "subscribe", "id": "1", "payload": { "query": SUBSCRIBE } }),
    )
    .await;
    let m = next(&mut socket).await;
    assert_eq!(m["type"], "error");
    assert_eq!(m["payload"][0]["extensions"]["code"], "UNAUTHENTICATED");
});

db_test!(each_protocol_error_closes_with_its_code, seeded, |app| {
    let key = app.key("iom", "read").await;
    let addr = app.serve().await.to_string();
    let close = |code: u16| json!({ "close": code });
    // 4400: a message that is not one of the protocol's.
    for bad in [
        Message::Text("not json".into()),
        Message::Text(r#"{"type":"launch"}"#.into()),
        Message::Binary(vec![1, 2].into()),
    ] {
        let mut s = connect(&addr, Some("graphql-transport-ws")).await;
        s.send(bad).await.unwrap();
        assert_eq!(next(&mut s).await, close(4400));
    }
    let mut s = connect(&addr, Some("graphql-transport-ws")).await;
    init(&mut s, &key).await;
    send(&mut s, json!({ "type": "subscribe", "id": "1" })).await;
    assert_eq!(
        next(&mut s).await,
        close(4400),
        "a subscribe without payload"
    );
    // 4401: subscribing before the connection is acknowledged.
    let mut s = connect(&addr, Some("graphql-transport-ws")).await;
    send(
        &mut s,
        json!({ "type": "subscribe", "id": "1", "payload": { "query": SUBSCRIBE } }),
    )
    .await;
    assert_eq!(next(&mut s).await, close(4401));
    // 4403: a bad key in connection_init.
    let mut s = connect(&addr, Some("graphql-transport-ws")).await;
    send(
        &mut s,
        json!({ "type": "connection_init", "payload": { "authorization": "Bearer agora_wrong" } }),
    )
    .await;
    assert_eq!(next(&mut s).await, close(4403));
    // 4406: no sub-protocol agreed.
    let mut s = connect(&addr, None).await;
    assert_eq!(next(&mut s).await, close(4406));
    // 4409: a subscription id already running.
    let mut s = connect(&addr, Some("graphql-transport-ws")).await;
    init(&mut s, &key).await;
    send(
        &mut s,
        json!({ "type": "subscribe", "id": "dup", "payload": { "query": SUBSCRIBE } }),
    )
    .await;
    send(
        &mut s,
        json!({ "type": "subscribe", "id": "dup", "payload": { "query": SUBSCRIBE } }),
    )
    .await;
    assert_eq!(next(&mut s).await, close(4409));
    // 4429: a second connection_init.
    let mut s = connect(&addr, Some("graphql-transport-ws")).await;
    init(&mut s, &key).await;
    send(&mut s, json!({ "type": "connection_init" })).await;
    assert_eq!(next(&mut s).await, close(4429));
    // 4408: no connection_init in time.
    let mut s = connect(&addr, Some("graphql-transport-ws")).await;
    assert_eq!(next(&mut s).await, close(4408));
});

db_test!(a_revoked_key_closes_its_connections, seeded, |app| {
    let key = app.key("iom", "read").await;
    let addr = app.serve().await.to_string();
    let mut s = connect(&addr, Some("graphql-transport-ws")).await;
    init(&mut s, &key).await;
    send(
        &mut s,
        json!({ "type": "subscribe", "id": "1", "payload": { "query": SUBSCRIBE } }),
    )
    .await;
    let id = agora::auth::keys::list(app.db()).await.unwrap()[0].key.id;
    agora::auth::keys::revoke(app.db(), id).await.unwrap();
    // Within the re-check period (4 s), the connection is closed as forbidden.
    assert_eq!(next(&mut s).await, json!({ "close": 4403 }));
});

db_test!(a_revoked_key_starts_nothing, seeded, |app| {
    let key = app.key("iom", "read").await;
    let addr = app.serve().await.to_string();
    let mut s = connect(&addr, Some("graphql-transport-ws")).await;
    init(&mut s, &key).await;
    // Positive control: the key runs a query.
    let query = json!({ "type": "subscribe", "id": "1", "payload": { "query": "{ dialogues { totalCount } }" } });
    send(&mut s, query.clone()).await;
    assert_eq!(next(&mut s).await["type"], "next");
    assert_eq!(next(&mut s).await["type"], "complete");
    let id = agora::auth::keys::list(app.db()).await.unwrap()[0].key.id;
    agora::auth::keys::revoke(app.db(), id).await.unwrap();
    // At once, before any periodic check: the next operation closes the connection.
    send(&mut s, query).await;
    assert_eq!(next(&mut s).await, json!({ "close": 4403 }));
});

db_test!(the_graphql_url_takes_websockets_too, seeded, |app| {
    let addr = app.serve().await.to_string();
    let mut socket = connect_at(&addr, "/graphql", Some("graphql-transport-ws")).await;
    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(next(&mut socket).await["type"], "connection_ack");
    let query = r#"{ dialogueBySlug(slug: "idm-2018") { slug } }"#;
    send(
        &mut socket,
        json!({ "type": "subscribe", "id": "q", "payload": { "query": query } }),
    )
    .await;
    let answer = next(&mut socket).await;
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(
        answer["payload"]["data"]["dialogueBySlug"]["slug"],
        "idm-2018"
    );
    // Plain GETs of the same URL are still GraphQL over HTTP.
    let url = format!("http://{addr}/graphql?query=%7B__typename%7D");
    let body: Value = serde_json::from_str(&get_text(&url).await).unwrap();
    assert_eq!(body["data"], json!({ "__typename": "Query" }));
});

/// The body of a GET of `url` (HTTP/1.1 on a connection of its own).
async fn get_text(url: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(host).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response.split_once("\r\n\r\n").unwrap().1.to_string()
}
