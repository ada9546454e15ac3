//! The pages served to browsers: GraphiQL on a browser's GET of `/graphql` (its bundle
//! under `/graphiql/`) and the researchers' explorer at `/explore`.
//!
//! Here: what is served, with which headers, and when (production mode keeps GraphiQL
//! off unless enabled); then both pages rendered by a real `agora serve` in headless
//! Chromium (Debian's `chromium` package). Without Chromium that test is skipped, unless
//! `AGORA_REQUIRE_CHROMIUM` is set (as `.ci/run` does, after installing it).
//!
//! `web/run` (run by `.ci/run`) drives both pages further with Playwright: typing with
//! completion and validation, the docs and the Explorer plugin, a subscription, facets
//! and downloads, and it checks that the committed bundle is what its lockfile builds.

use std::process::Command;

use agora::config::Settings;
use axum::{
    body::Body,
    http::{HeaderMap, Request, StatusCode, header},
};
use serde_json::{Value, json};

use crate::common::{Backend, ServerProcess, TestApp};

async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Value) {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.exchange(request.body(Body::empty()).unwrap()).await
}

fn text(body: &Value) -> &str {
    body.as_str().expect("a text body")
}

#[tokio::test]
async fn graphiql_and_the_explorer_are_served_with_a_strict_policy() {
    let app = TestApp::start(Backend::Sqlite, false).await.unwrap();

    // GraphiQL's page: no script of its own inline, only the bundle's files.
    let (status, headers, body) = get(&app, "/graphql", &[("accept", "text/html")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(policy.contains("connect-src 'self';"), "{policy}");
    assert!(!policy.contains("unsafe-eval"), "{policy}");
    let page = text(&body);
    assert!(page.contains("<title>Agora GraphiQL</title>"), "{page}");
    assert!(page.contains(r#"src="/graphiql/graphiql.js""#), "{page}");
    assert!(!page.contains("<script>"), "an inline script: {page}");

    let files = [
        ("graphiql.js", "text/javascript; charset=utf-8"),
        ("graphiql.css", "text/css; charset=utf-8"),
        ("editor.worker.js", "text/javascript; charset=utf-8"),
        ("graphql.worker.js", "text/javascript; charset=utf-8"),
        ("json.worker.js", "text/javascript; charset=utf-8"),
    ];
    for (file, media) in files {
        let (status, headers, body) = get(&app, &format!("/graphiql/{file}"), &[]).await;
        assert_eq!(status, StatusCode::OK, "{file}");
        assert_eq!(headers[header::CONTENT_TYPE], media, "{file}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(
            text(&body).len() > 1000,
            "{file} is too small to be the bundle"
        );
    }
    for missing in [
        "graphiql.js.map",
        "index.jsx",
        "..%2FCargo.toml",
        "nothing.js",
    ] {
        let (status, _, _) = get(&app, &format!("/graphiql/{missing}"), &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }

    // A file is downloaded again only when it changed: its tag answers 304.
    let (_, headers, _) = get(&app, "/graphiql/graphiql.css", &[]).await;
    let tag = headers[header::ETAG].to_str().unwrap().to_string();
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    let (status, _, body) = get(&app, "/graphiql/graphiql.css", &[("if-none-match", &tag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert_eq!(text(&body), "");
    let (status, _, _) = get(
        &app,
        "/graphiql/graphiql.css",
        &[("if-none-match", "\"x\"")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The explorer: its page, script and style, under a policy with no inline style.
    let (status, headers, body) = get(&app, "/explore", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("style-src 'self';"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(text(&body).contains(r#"src="/explore/explore.js""#));
    for (file, media) in [
        ("explore.js", "text/javascript; charset=utf-8"),
        ("explore.css", "text/css; charset=utf-8"),
    ] {
        let (status, headers, _) = get(&app, &format!("/explore/{file}"), &[]).await;
        assert_eq!(status, StatusCode::OK, "{file}");
        assert_eq!(headers[header::CONTENT_TYPE], media, "{file}");
    }
    let (status, _, _) = get(&app, "/explore/index.js", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn production_keeps_graphiql_off_unless_enabled() {
    let production = Settings {
        env: "production".into(),
        ..Settings::default()
    };
    let app = TestApp::start_with(Backend::Sqlite, production.clone())
        .await
        .unwrap();
    let (status, _, body) = get(&app, "/graphql", &[("accept", "text/html")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let (status, _, _) = get(&app, "/graphiql/graphiql.js", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The explorer is a page on the public API: on unless turned off.
    let (status, _, _) = get(&app, "/explore", &[]).await;
    assert_eq!(status, StatusCode::OK);

    let enabled = Settings {
        console: Some(true),
        explore: false,
        ..production
    };
    let app = TestApp::start_with(Backend::Sqlite, enabled).await.unwrap();
    let (status, _, _) = get(&app, "/graphql", &[("accept", "text/html")]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = get(&app, "/graphiql/graphiql.js", &[]).await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/explore", "/explore/explore.js"] {
        let (status, _, _) = get(&app, path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(str::to_string)
}

/// The page at `url` as Chromium leaves it once its scripts ran (virtual time, so the
/// page's own requests decide when it is done, not a clock).
fn rendered(browser: &str, args: &[&str]) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=15000",
        ])
        .args(args)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn both_pages_render_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("AGORA_REQUIRE_CHROMIUM").is_none(),
            "AGORA_REQUIRE_CHROMIUM is set but no Chromium was found"
        );
        eprintln!("no Chromium here: the pages' test is skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::sqlite(dir.path(), &[]);
    let addr = &server.addr;

    // GraphiQL rendered its editor, with the example operation, and its run button.
    let dom = rendered(&browser, &["--dump-dom", &format!("http://{addr}/graphql")]);
    assert!(dom.contains("graphiql-container"), "no GraphiQL in:\n{dom}");
    assert!(
        dom.contains("graphiql-execute-button"),
        "no run button in:\n{dom}"
    );
    assert!(dom.contains("idm-2018"), "no example operation in:\n{dom}");

    // The explorer ran a search through the API and shows the API's count for it.
    let api = api_count(addr, "migration");
    let dom = rendered(
        &browser,
        &["--dump-dom", &format!("http://{addr}/explore?q=migration")],
    );
    assert!(dom.contains("Agora explorer"), "no explorer in:\n{dom}");
    assert!(
        dom.contains(&format!("data-total=\"{api}\"")),
        "the API counts {api} records for \"migration\", not found in:\n{dom}"
    );
}

/// How many records the API finds for `query`, asked over a socket of its own.
fn api_count(addr: &str, query: &str) -> u64 {
    use std::io::{Read, Write};
    let body = json!({
        "query": "query($q: String!) { search(query: $q) { totalCount } }",
        "variables": {"q": query},
    })
    .to_string();
    let mut socket = std::net::TcpStream::connect(addr).expect("the server accepts");
    write!(
        socket,
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    socket.read_to_string(&mut response).unwrap();
    let (_, json) = response.split_once("\r\n\r\n").expect("a response");
    let answer: Value = serde_json::from_str(json).expect("JSON");
    answer["data"]["search"]["totalCount"]
        .as_u64()
        .unwrap_or_else(|| panic!("no count in {answer}"))
}
