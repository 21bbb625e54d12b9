//! Rotation overlap checked by an independent verifier: the Python `standardwebhooks` package
//! (the Standard Webhooks project's own), installed by this test into a virtual environment
//! under the target directory. Fails with a clear message when it cannot be installed.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::http::Method;
use common::*;
use serde_json::json;

/// A Python with `standardwebhooks`, made once per target directory.
fn python() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("py-standardwebhooks");
    let python = venv.join("bin").join("python");
    let ready = |py: &Path| {
        Command::new(py)
            .args(["-c", "import standardwebhooks"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ready(&python) {
        return python;
    }
    let system = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let made = Command::new(&system)
        .args(["-m", "venv"])
        .arg(&venv)
        .output();
    assert!(
        made.as_ref().is_ok_and(|o| o.status.success()),
        "cannot make a Python virtual environment with {system} -m venv (install python3 and \
         python3-venv, or set PYTHON): {made:?}"
    );
    let pip = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "standardwebhooks"])
        .output()
        .unwrap();
    assert!(
        pip.status.success() && ready(&python),
        "cannot install the Python package standardwebhooks from PyPI into {}: {}",
        venv.display(),
        String::from_utf8_lossy(&pip.stderr)
    );
    python
}

const VERIFY: &str = r#"
import json, sys
from standardwebhooks import Webhook
secret, headers_file, body_file = sys.argv[1], sys.argv[2], sys.argv[3]
headers = json.load(open(headers_file))
body = open(body_file, "rb").read()
event = Webhook(secret).verify(body, headers)
print(event["id"])
"#;

fn python_verifies(
    python: &Path,
    dir: &Path,
    secret: &str,
    request: &Received,
) -> Result<String, String> {
    let headers: serde_json::Map<String, serde_json::Value> =
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
            .into_iter()
            .map(|name| (name.to_owned(), json!(request.header(name))))
            .collect();
    let headers_file = dir.join("headers.json");
    let body_file = dir.join("body.json");
    std::fs::write(&headers_file, serde_json::to_vec(&headers).unwrap()).unwrap();
    std::fs::write(&body_file, &request.body).unwrap();
    let out = Command::new(python)
        .args(["-c", VERIFY, secret])
        .arg(&headers_file)
        .arg(&body_file)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[tokio::test]
async fn python_standardwebhooks_accepts_both_keys_during_the_rotation_overlap() {
    let python = tokio::task::spawn_blocking(python).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator().await;
    let receiver = Receiver::start().await;
    let (id, old) = create(&emu, &receiver.url, &["call.completed"]).await;
    let rotated = call(&emu, Method::POST, &format!("/webhooks/{id}/rotate"), None).await;
    let new = rotated.body["data"]["key"].as_str().unwrap().to_owned();
    let triggered = trigger(&emu, json!({"type": "call.completed"})).await;
    let event_id = triggered["event"]["id"].as_str().unwrap().to_owned();
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2);
    assert_eq!(
        python_verifies(&python, dir.path(), &old, &got[0]),
        Ok(event_id.clone())
    );
    assert_eq!(
        python_verifies(&python, dir.path(), &new, &got[0]),
        Ok(event_id)
    );
    // After the grace period only the new key signs: the old one no longer verifies.
    emu.advance(std::time::Duration::from_secs(24 * 3600 + 1))
        .await;
    trigger(&emu, json!({"type": "call.completed"})).await;
    let got = receiver.wait_for(2).await;
    assert!(python_verifies(&python, dir.path(), &new, &got[1]).is_ok());
    let refused = python_verifies(&python, dir.path(), &old, &got[1]).unwrap_err();
    assert!(refused.contains("WebhookVerificationError"), "{refused}");
}
