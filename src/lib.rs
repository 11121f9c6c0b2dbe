//! Itaku (委託): keeps a municipality's contractors, designated managers and cloud services
//! inside its information security rules.

pub mod accounts;
pub mod app;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod clauses;
pub mod clock;
pub mod compliance;
pub mod config;
pub mod db;
pub mod deadlines;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod i18n;
pub mod mail;
pub mod memory;
pub mod policy;
pub mod portal;
pub mod questionnaires;
pub mod render;
pub mod responsibility;
pub mod scheduler;
pub mod second_factor;
pub mod staff;
pub mod startup;
pub mod sweep;
pub mod telemetry;
pub mod validate;
