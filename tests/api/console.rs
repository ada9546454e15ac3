//! The query console in headless Chromium (Debian's `chromium` package): the page, served
//! by a real `agora serve` process with no network beyond it, runs a query and shows its
//! result, lists the schema's types from introspection, and renders a screenshot.
//!
//! Without Chromium the test is skipped, unless `AGORA_REQUIRE_CHROMIUM` is set (as
//! `.ci/run` does, after installing it).

use std::process::Command;

use crate::common::ServerProcess;

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

fn headless(browser: &str, args: &[&str]) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
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

#[test]
fn the_console_runs_a_query_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("AGORA_REQUIRE_CHROMIUM").is_none(),
            "AGORA_REQUIRE_CHROMIUM is set but no Chromium was found"
        );
        eprintln!("no Chromium here: console test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::sqlite(dir.path(), &[]);
    let addr = &server.addr;

    let operation = "{ dialogueBySlug(slug: \"idm-2018\") { slug title(lang: \"fr\") { text } } }";
    let encoded: String = url::form_urlencoded::byte_serialize(operation.as_bytes()).collect();
    let url = format!("http://{addr}/graphql?operation={encoded}&run=1");

    // The page ran the operation and shows the answer, and browsed the schema.
    let dom = headless(&browser, &["--dump-dom", &url]);
    assert!(dom.contains("Agora console"), "{dom}");
    assert!(
        dom.contains(r#""slug": "idm-2018""#),
        "no result in:\n{dom}"
    );
    assert!(
        dom.contains("Dialogue internationa"),
        "no French title in:\n{dom}"
    );
    assert!(dom.contains("HTTP 200"), "no status in:\n{dom}");
    assert!(
        dom.contains(r#"class="link">Dialogue</span>"#),
        "no schema types in:\n{dom}"
    );

    // And renders: a screenshot of the page with its result.
    let shot = dir.path().join("console.png");
    headless(
        &browser,
        &[
            "--window-size=1280,800",
            &format!("--screenshot={}", shot.display()),
            &url,
        ],
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG image");
    // A blank 1280x800 page compresses to a few kilobytes; text and panes make more.
    assert!(
        png.len() > 20_000,
        "the screenshot looks empty: {} bytes",
        png.len()
    );
    println!("console screenshot: {} bytes", png.len());
}
