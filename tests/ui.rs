//! Compile-time checks of `#[session]`: every misuse is a compile error
//! that names the problem and the fix (pinned by `.stderr` snapshots), and
//! every supported shape compiles.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/item/*.rs");
    t.compile_fail("tests/ui/attr/*.rs");
    t.compile_fail("tests/ui/field/*.rs");
    t.compile_fail("tests/ui/fallback/*.rs");
    t.compile_fail("tests/ui/wiring/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
