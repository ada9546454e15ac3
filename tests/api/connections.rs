//! Slow and numerous clients against a real `agora serve` process, over real sockets: a
//! request head or body sent too slowly, an idle kept-alive connection, the cap on open
//! connections (below the file-descriptor limit), and a normal client answered while 200
//! slow ones hold connections.

use std::{process::Command, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::common::{AGORA, ServerProcess};

/// Longest wait for something the server does by itself; a healthy run is far below it.
const BOUND: Duration = Duration::from_secs(30);

/// Reads from `stream` until the server closes it; returns what came.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    match tokio::time::timeout(BOUND, stream.read_to_end(&mut got)).await {
        Ok(_) => got,
        Err(_) => panic!(
            "the server left the connection open; it sent: {:?}",
            String::from_utf8_lossy(&got)
        ),
    }
}

/// Reads one HTTP/1.1 response with a `Content-Length` from a kept-alive connection.
async fn response(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    let read = async {
        while !got.ends_with(b"\r\n\r\n") {
            assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "closed mid-head");
            got.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&got).to_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .map_or(0, |n| n.trim().parse().unwrap());
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).await.unwrap();
        got.extend(body);
    };
    tokio::time::timeout(BOUND, read)
        .await
        .expect("a response in time");
    String::from_utf8(got).unwrap()
}

/// Waits until a new client of `addr` is answered 200 again (the server learns of closed
/// connections when it reads their end: retried until it has).
async fn served_again(addr: &str) {
    let served = async {
        loop {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(get("/healthz").as_bytes()).await.unwrap();
            let mut first = [0u8; 12];
            if stream.read_exact(&mut first).await.is_ok() && &first == b"HTTP/1.1 200" {
                return;
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(BOUND, served)
        .await
        .expect("served again");
}

/// A request for `path` that keeps the connection open.
fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n")
}

/// The value of the metric line that starts with `name ` in `/metrics` of `stream`'s server.
async fn metric(stream: &mut TcpStream, name: &str) -> f64 {
    stream.write_all(get("/metrics").as_bytes()).await.unwrap();
    let text = response(stream).await;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_request_head_sent_too_slowly_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::sqlite(dir.path(), &[("AGORA_HEADER_TIMEOUT_MS", "300")]);
    // Control: a head sent at once is answered.
    let mut fast = TcpStream::connect(&server.addr).await.unwrap();
    fast.write_all(get("/healthz").as_bytes()).await.unwrap();
    assert!(response(&mut fast).await.starts_with("HTTP/1.1 200"));

    // A head that trickles in, one byte at a time, never completes: the server closes
    // the connection without an answer.
    let mut slow = TcpStream::connect(&server.addr).await.unwrap();
    let (mut reading, mut writing) = slow.split();
    let trickle = async {
        for byte in b"GET /healthz HTTP/1.1\r\nX-Slow: "
            .iter()
            .chain([b'a'; 2000].iter())
        {
            if writing.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the whole trickle went through");
    };
    let mut got = Vec::new();
    let closed = async { tokio::time::timeout(BOUND, reading.read_to_end(&mut got)).await };
    let (_, closed) = tokio::join!(trickle, closed);
    assert!(closed.is_ok(), "the slow head was never cut off");
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(metric(&mut fast, "agora_connections_timed_out_total").await >= 1.0);
}

#[tokio::test]
async fn a_request_body_sent_too_slowly_gets_408() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::sqlite(
        dir.path(),
        &[
            ("AGORA_BODY_TIMEOUT_MS", "300"),
            ("AGORA_BODY_MIN_RATE", "1000"),
        ],
    );
    let query = format!(
        "{{\"query\": \"{{ __typename }}\", \"padding\": \"{}\"}}",
        "x".repeat(2000)
    );
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        query.len()
    );
    // Control: the same body sent at once is answered.
    let mut fast = TcpStream::connect(&server.addr).await.unwrap();
    fast.write_all(format!("{head}{query}").as_bytes())
        .await
        .unwrap();
    let answer = response(&mut fast).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Sent a byte every 20 ms (50 bytes/s, below the 1,000 asked), it gets 408.
    let mut slow = TcpStream::connect(&server.addr).await.unwrap();
    slow.write_all(head.as_bytes()).await.unwrap();
    let (mut reading, mut writing) = slow.split();
    let trickle = async {
        for byte in query.bytes() {
            if writing.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let mut got = Vec::new();
    let answered = async { tokio::time::timeout(BOUND, reading.read_to_end(&mut got)).await };
    let (_, answered) = tokio::join!(trickle, answered);
    assert!(answered.is_ok(), "the slow body was never refused");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"code\":\"BAD_USER_INPUT\""), "{text}");
    assert!(text.contains("came too slowly"), "{text}");
    assert_eq!(
        metric(&mut fast, "agora_request_bodies_too_slow_total").await,
        1.0
    );
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::sqlite(
        dir.path(),
        &[
            ("AGORA_KEEP_ALIVE_TIMEOUT_MS", "1000"),
            ("AGORA_HEADER_TIMEOUT_MS", "60000"),
        ],
    );
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    // Another client served first: by then the server has started this connection's clock
    // while it waits for a head (with its long head timeout), before any request.
    let mut other = TcpStream::connect(&server.addr).await.unwrap();
    other.write_all(get("/healthz").as_bytes()).await.unwrap();
    assert!(response(&mut other).await.starts_with("HTTP/1.1 200"));
    // Control: the connection is kept alive from one request to the next.
    for _ in 0..2 {
        stream.write_all(get("/healthz").as_bytes()).await.unwrap();
        assert!(response(&mut stream).await.starts_with("HTTP/1.1 200"));
    }
    // Then, silent, it is closed.
    assert!(until_closed(&mut stream).await.is_empty());
}

#[tokio::test]
async fn connections_over_the_cap_are_refused_with_503_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::sqlite(dir.path(), &[("AGORA_MAX_CONNECTIONS", "4")]);
    // Four kept-alive connections, each answered: the cap is reached.
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(&server.addr).await.unwrap();
        stream.write_all(get("/healthz").as_bytes()).await.unwrap();
        assert!(response(&mut stream).await.starts_with("HTTP/1.1 200"));
        held.push(stream);
    }
    // A fifth is answered 503 with Retry-After, and closed.
    let mut fifth = TcpStream::connect(&server.addr).await.unwrap();
    let text = String::from_utf8(until_closed(&mut fifth).await).unwrap();
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("Retry-After: 1"), "{text}");
    assert_eq!(
        metric(&mut held[0], "agora_connections_refused_total").await,
        1.0
    );
    assert_eq!(metric(&mut held[0], "agora_connections_open").await, 4.0);

    // Once one closes, a new client is served again.
    drop(held.pop());
    served_again(&server.addr).await;
}

/// Opens `count` connections that each send half a request (a head, or a head and part
/// of a body) and then nothing.
async fn slow_clients(addr: &str, count: usize) -> Vec<TcpStream> {
    let mut clients = Vec::with_capacity(count);
    for i in 0..count {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let half = if i % 2 == 0 {
            "GET /healthz HTTP/1.1\r\nHost: x\r\n".to_string()
        } else {
            "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: 100\r\n\r\n{\"query\":"
                .to_string()
        };
        // A write may fail once the server has refused the connection.
        let _ = stream.write_all(half.as_bytes()).await;
        clients.push(stream);
    }
    clients
}

#[tokio::test]
async fn a_normal_client_is_answered_while_200_slow_ones_hold_connections() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::sqlite(
        dir.path(),
        &[
            ("AGORA_HEADER_TIMEOUT_MS", "120000"),
            ("AGORA_BODY_TIMEOUT_MS", "120000"),
        ],
    );
    let slow = slow_clients(&server.addr, 200).await;
    let mut normal = TcpStream::connect(&server.addr).await.unwrap();
    let body = r#"{"query":"{ dialogueBySlug(slug: \"idm-2018\") { slug } }"}"#;
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    normal.write_all(request.as_bytes()).await.unwrap();
    let answer = response(&mut normal).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"slug\":\"idm-2018\""), "{answer}");
    // The 200 slow clients were all connected meanwhile (and the normal one).
    assert_eq!(metric(&mut normal, "agora_connections_open").await, 201.0);
    drop(slow);
}

#[tokio::test]
async fn under_a_low_descriptor_limit_new_clients_are_refused_not_starved() {
    let dir = tempfile::tempdir().unwrap();
    // 160 descriptors: fewer than the slow clients below. The server keeps its cap under
    // the limit, so that it can still accept and refuse.
    let mut command = Command::new("sh");
    command
        .args([
            "-c",
            "ulimit -n 160 && exec \"$0\" serve --listen 127.0.0.1:0",
            AGORA,
        ])
        .current_dir(dir.path())
        .env_remove("AGORA_DATABASE_URL")
        .env("AGORA_LOG", "warn")
        .env("AGORA_HEADER_TIMEOUT_MS", "120000")
        .stderr(std::process::Stdio::null());
    let server = ServerProcess::start(&mut command);
    let slow = slow_clients(&server.addr, 200).await;

    // A new client is told at once to come back, rather than left waiting unanswered.
    let mut late = TcpStream::connect(&server.addr).await.unwrap();
    late.write_all(get("/healthz").as_bytes()).await.unwrap();
    let text = String::from_utf8(until_closed(&mut late).await).unwrap();
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");

    // When the slow clients leave, clients are served again.
    drop(slow);
    served_again(&server.addr).await;
}
