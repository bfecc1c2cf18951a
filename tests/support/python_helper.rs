//! Running a vendor's official Python library from a Rust test, to compare what we send with what
//! it sends and to have it verify what we sign (`crates/video-twilio/tests/twilio_helper.rs`,
//! `crates/video-google-meet/tests/google_auth.rs`). Included by `#[path]`, not a crate.
//!
//! The libraries are installed, pinned, into a venv under the test's `CARGO_TARGET_TMPDIR` on the
//! first run. Without `python3` or PyPI the check is skipped with a message, except under CI (`CI`
//! set), where it fails: there, the check must run.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The Python of the venv `name` under `target_tmpdir`, with `packages` installed (once per
/// target directory; a change of `packages` reinstalls them); `None`, after saying why, when they
/// cannot be installed here and this is not CI. `library` names them in that message.
pub fn venv_python(
    target_tmpdir: &str,
    name: &str,
    packages: &[&str],
    library: &str,
) -> Option<PathBuf> {
    let venv = Path::new(target_tmpdir).join(name);
    let python = venv.join("bin/python");
    let marker = venv.join(format!("installed {}", packages.join(" ")));
    if marker.exists() {
        return Some(python);
    }
    let pip = [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ];
    let steps: [(&str, Vec<&str>); 2] = [
        ("python3", vec!["-m", "venv", "--clear", path_str(&venv)]),
        (
            path_str(&python),
            pip.into_iter().chain(packages.iter().copied()).collect(),
        ),
    ];
    for (program, args) in steps {
        let failure = match Command::new(program).args(&args).output() {
            Ok(output) if output.status.success() => continue,
            Ok(output) => String::from_utf8_lossy(&output.stderr).into_owned(),
            Err(error) => error.to_string(),
        };
        let message = format!(
            "cannot install {library} ({}) into {}: `{program} {}` failed: {failure}",
            packages.join(", "),
            venv.display(),
            args.join(" ")
        );
        assert!(std::env::var_os("CI").is_none(), "{message}");
        eprintln!("SKIPPED the comparison with {library}: {message}");
        return None;
    }
    std::fs::write(&marker, b"").unwrap();
    Some(python)
}

/// Runs `script` with `python`, `input` as JSON on its standard input; its standard output, which
/// must be JSON. A failing script fails the test with its standard error.
pub fn run_script(python: &Path, script: &Path, input: &Value) -> Value {
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The keys of a JSON object, sorted.
pub fn keys(object: &Value) -> Vec<String> {
    let mut keys: Vec<String> = object.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("target directory paths are UTF-8")
}
