//! Itaku (委託): keeps a municipality's contractors, designated managers and cloud services
//! inside its information security rules.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod clauses;
pub mod compliance;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod i18n;
pub mod policy;
pub mod second_factor;
pub mod startup;
pub mod telemetry;
