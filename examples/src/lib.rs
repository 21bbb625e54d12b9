//! Receivers on frameworks other than axum, as binaries built in CI: `actix_receiver` and
//! `hyper_receiver`. This library only carries the workspace README's example, so that it
//! compiles and runs as a doctest.

#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct RootReadme;
