//! The checks the code is held to besides its tests, run by the README's
//! test command so that CI enforces them too: `cargo fmt`, `cargo clippy
//! --workspace --all-targets --all-features -D warnings`, `cargo doc` with
//! warnings denied, and the fuzz targets (`fuzz/`, a crate outside the
//! workspace, so no other command builds it) still compiling against the
//! current API with their locked dependencies.
//!
//! Each check runs the `cargo` that runs the tests. In CI (`CI` set) a
//! missing `rustfmt` or `clippy` fails the test; elsewhere the test prints
//! a loud SKIPPED notice and passes.

#![allow(missing_docs, unreachable_pub)]

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::in_ci;

/// Runs `cargo ARGS` in the workspace root with `env` set.
fn cargo(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo {args:?}: {e}"))
}

/// Whether the rustup component behind `cargo SUBCOMMAND` is installed;
/// prints a SKIPPED notice (or panics, in CI) when it is not.
fn tool_present(subcommand: &str, component: &str) -> bool {
    if cargo(&[subcommand, "--version"], &[]).status.success() {
        return true;
    }
    let why = format!("`cargo {subcommand}` is not installed (rustup component add {component})");
    assert!(!in_ci(), "{why}, and CI requires it");
    eprintln!(
        "\n==================== SKIPPED ====================\n\
         {why}: this check did not run.\n\
         =================================================\n"
    );
    false
}

/// Panics with the command's output unless it succeeded.
fn assert_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_code_is_formatted() {
    if tool_present("fmt", "rustfmt") {
        let out = cargo(&["fmt", "--all", "--", "--check"], &[]);
        assert_success("cargo fmt --all -- --check (run `cargo fmt --all`)", &out);
    }
}

#[test]
fn clippy_finds_nothing() {
    if tool_present("clippy", "clippy") {
        let args = [
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ];
        assert_success(&format!("cargo {}", args.join(" ")), &cargo(&args, &[]));
    }
}

#[test]
fn the_docs_build_without_warnings() {
    let args = ["doc", "--workspace", "--all-features", "--no-deps"];
    let out = cargo(&args, &[("RUSTDOCFLAGS", "-D warnings")]);
    assert_success("RUSTDOCFLAGS='-D warnings' cargo doc", &out);
}

#[test]
fn the_fuzz_targets_compile() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = root.join("fuzz/Cargo.toml");
    let target = root.join("target/fuzz-check");
    let args = [
        "check",
        "--locked",
        "--bins",
        "--manifest-path",
        manifest.to_str().expect("a UTF-8 path"),
        "--target-dir",
        target.to_str().expect("a UTF-8 path"),
    ];
    assert_success("cargo check of the fuzz targets", &cargo(&args, &[]));
}

/// The runtime's files import downward only: `scripts/import_graph.py`
/// reads every `use` and path outside test modules and fails on a cycle
/// (such as the old `value` → `json_write` → `tag` → `value`).
#[test]
fn the_runtime_has_no_import_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new("python3")
        .arg(root.join("scripts/import_graph.py"))
        .output()
        .expect("python3 runs scripts/import_graph.py");
    assert_success("the import graph check", &output);
    assert!(String::from_utf8_lossy(&output.stdout).contains("0 cycle(s)"));
}
