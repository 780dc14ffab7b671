//! The one integration-test binary. Every test runs against SQLite and against PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed expectation is a failed test

mod helpers;

mod accounts;
mod api;
mod auth;
mod authz;
mod backup;
mod data;
mod hostile;
mod mail;
mod pages;
mod plans;
mod reads;
mod reports;
mod sso;
mod store;
mod web;
mod workflow;
