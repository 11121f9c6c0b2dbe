//! Integration tests: the real service on a random port, spoken to over HTTP. Run on
//! SQLite by default and on PostgreSQL when ITAKU_TEST_POSTGRES_URL is set.

mod helpers;

mod access_review;
mod approvals;
mod audit_log;
mod authorization;
mod browser;
mod checks_api;
mod clauses_golden;
mod cli;
mod cloud;
mod contracts;
mod end_of_term;
mod engagements;
mod errors;
mod first_hour;
mod health;
mod information_items;
mod list_totals;
mod my_work;
mod obligations;
mod outage;
mod page_authorization;
mod portal;
mod questionnaires;
mod reminders;
mod search;
mod session;
mod smtp;
mod staff_admin;
mod staff_checks;
mod staff_clauses;
mod staff_engagement;
mod staff_pages;
mod standard;
mod stored_obligations;
mod template_overrides;
mod users_and_divisions;
mod vendors;
mod webdriver;
