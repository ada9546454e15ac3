//! The deployment examples in `deploy/`: the systemd unit (`systemd-analyze verify`), the
//! nginx configuration (`nginx -t`) and the example settings, which the server itself
//! must read as they are.

use std::process::Command;

use agora::config::Settings;

use crate::common::AGORA;

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy");

#[test]
fn the_example_settings_are_read_by_the_server() {
    let settings = Settings::load(Some(std::path::Path::new(&format!("{DEPLOY}/agora.toml"))))
        .expect("deploy/agora.toml is valid settings");
    assert_eq!(settings.replica_urls.len(), 1);
    assert!(settings.database_url.starts_with("postgres://"));
    settings.check_replicas().unwrap();
    assert!(settings.production() && settings.forwarded_for);
}

/// `deploy/check` on the files as they are passes; on a copy with a broken nginx file it
/// fails and says where.
#[test]
fn the_unit_and_the_proxy_configuration_pass_their_tools() {
    let out = Command::new(format!("{DEPLOY}/check"))
        .arg(AGORA)
        .output()
        .expect("deploy/check runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for checked in ["ok    unit:", "ok    nginx:", "ok    toml:"] {
        assert!(said.contains(checked), "{said}");
    }

    let copy = tempfile::tempdir().unwrap();
    for file in ["check", "agora@.service", "agora.toml", "nginx.conf"] {
        std::fs::copy(format!("{DEPLOY}/{file}"), copy.path().join(file)).unwrap();
    }
    let nginx = copy.path().join("nginx.conf");
    let text = std::fs::read_to_string(&nginx).unwrap();
    let broken = text.replacen("proxy_connect_timeout 5s;", "proxy_connect_timeout 5s", 1);
    assert_ne!(broken, text, "the line to break is there");
    std::fs::write(&nginx, broken).unwrap();
    let out = Command::new(copy.path().join("check"))
        .arg(AGORA)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("FAIL  nginx"), "{said}");
    assert!(said.contains("ok    unit:"), "{said}");
}
