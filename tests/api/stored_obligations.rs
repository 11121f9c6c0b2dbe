//! The stored obligations always equal a fresh derivation. Random histories of what staff
//! do (engagements of every kind registered, items of every level added, moves along the
//! lifecycle, contracts, records, approvals, waivers, the clock moving on) are played
//! over HTTP; after each step the register-wide list (`/api/v1/obligations`, read from the
//! stored rows with the state decided in SQL) holds exactly what each engagement's own
//! obligations (derived afresh from its facts) say, every state filter counts the same,
//! and each person's deadlines (`/api/v1/deadlines`, read narrowly from the stored rows)
//! are exactly those the whole register's derivation gives them (R-3.3.3, R-7.x, R-8.x,
//! R-9.x, R-10.x, R-2.6).

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use itaku::clauses::ClauseTemplates;
use itaku::clock::Clock;
use itaku::config::Config;
use itaku::domain::{ClassificationLevel, EngagementKind, Role};

use crate::helpers::{at, outsourcing_body, spawn_app, TestApp, TestUser};

struct History {
    app: TestApp,
    so: TestUser,
    sa: TestUser,
    ciso: TestUser,
    csm: TestUser,
    vendor: String,
    /// (id, kind)
    engagements: Vec<(String, &'static str)>,
    /// (engagement id, item id)
    items: Vec<(String, String)>,
    rng: StdRng,
}

const KINDS: [&str; 3] = ["outsourcing", "designated_management", "cloud_service"];
const STATUSES: [&str; 6] = [
    "selected",
    "contracted",
    "active",
    "ending",
    "closed",
    "terminated",
];
const WAIVABLE: [&str; 8] = [
    "R-8.1", "R-8.3.1", "R-8.3.2", "R-7.3", "R-7.4", "R-9.3.3", "R-10.1", "R-10.2",
];

fn day(rng: &mut StdRng, from: &str, span_days: i64) -> String {
    let from = chrono::NaiveDate::parse_from_str(from, "%Y-%m-%d").unwrap();
    (from + chrono::Duration::days(rng.gen_range(0..span_days))).to_string()
}

impl History {
    fn owner(&self, kind: &str) -> &TestUser {
        if kind == "cloud_service" {
            &self.sa
        } else {
            &self.so
        }
    }

    fn pick(&mut self) -> Option<(String, &'static str)> {
        if self.engagements.is_empty() {
            return None;
        }
        let i = self.rng.gen_range(0..self.engagements.len());
        Some(self.engagements[i].clone())
    }

    async fn expect_no_fault(res: reqwest::Response, what: &str) -> Value {
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.as_u16() < 500, "{what}: {status} {body}");
        body
    }

    /// One random step of what staff do.
    async fn step(&mut self) {
        let roll = if self.engagements.is_empty() {
            0
        } else {
            self.rng.gen_range(0..10)
        };
        match roll {
            0 => {
                let kind = KINDS[self.rng.gen_range(0..3)];
                let starts = day(&mut self.rng, "2030-01-01", 400);
                let ends = day(&mut self.rng, &starts, 700);
                let mut body = outsourcing_body("kumin", &self.owner(kind).id, &self.vendor);
                body["kind"] = json!(kind);
                body["title"] = json!(format!("{kind} 保守"));
                body["starts_on"] = json!(starts);
                body["ends_on"] = json!(ends);
                if kind == "cloud_service" {
                    body["cloud"] = json!({"service_name": "港クラウド", "data_location": "日本", "ismap": "ismap"});
                }
                let res = self
                    .app
                    .post(self.owner(kind), "/api/v1/engagements", &body)
                    .await;
                let e = Self::expect_no_fault(res, "register").await;
                if let Some(id) = e["id"].as_str() {
                    self.engagements.push((id.to_string(), kind));
                }
            }
            1 => {
                let (id, kind) = self.pick().unwrap();
                let level = ["L1", "L2", "L3"][self.rng.gen_range(0..3)];
                let provided = self.rng.gen_bool(0.6);
                let res = self
                    .app
                    .post(
                        self.owner(kind),
                        &format!("/api/v1/engagements/{id}/information-items"),
                        &json!({"name": format!("{level} の情報"), "level": level, "provided_to_vendor": provided}),
                    )
                    .await;
                let item = Self::expect_no_fault(res, "item").await;
                if let Some(item_id) = item["id"].as_str() {
                    self.items.push((id, item_id.to_string()));
                }
            }
            2 | 3 => {
                let (id, kind) = self.pick().unwrap();
                // Mostly the next status along the lifecycle, so that histories get far.
                let e: Value = self
                    .app
                    .get(self.owner(kind), &format!("/api/v1/engagements/{id}"))
                    .await
                    .json()
                    .await
                    .unwrap();
                let next = ["draft"]
                    .iter()
                    .chain(STATUSES.iter())
                    .position(|s| e["status"] == *s)
                    .and_then(|i| STATUSES.get(i));
                let to = match next {
                    Some(next) if self.rng.gen_bool(0.8) => next,
                    _ => STATUSES[self.rng.gen_range(0..STATUSES.len())],
                };
                let res = self
                    .app
                    .post(
                        self.owner(kind),
                        &format!("/api/v1/engagements/{id}/transitions"),
                        &json!({ "to": to }),
                    )
                    .await;
                Self::expect_no_fault(res, "move").await;
            }
            4 => {
                let (id, kind) = self.pick().unwrap();
                let kind_of = match kind {
                    "outsourcing" => EngagementKind::Outsourcing,
                    "designated_management" => EngagementKind::DesignatedManagement,
                    _ => EngagementKind::CloudService,
                };
                // The whole set for L3 (complete at any level) or for L1 (short of L2/L3).
                let level = if self.rng.gen_bool(0.7) {
                    ClassificationLevel::L3
                } else {
                    ClassificationLevel::L1
                };
                let clauses: Vec<String> = ClauseTemplates::load(None)
                    .unwrap()
                    .catalog()
                    .mandatory(kind_of, Some(level))
                    .iter()
                    .map(|c| c.id.clone())
                    .collect();
                let signed = day(&mut self.rng, "2029-12-01", 500);
                let res = self
                    .app
                    .post(
                        self.owner(kind),
                        &format!("/api/v1/engagements/{id}/contracts"),
                        &json!({"reference_number": "港区契第2030-001号", "signed_on": signed, "clause_ids": clauses}),
                    )
                    .await;
                Self::expect_no_fault(res, "contract").await;
            }
            5 => {
                let (id, kind) = self.pick().unwrap();
                let on = day(&mut self.rng, "2029-12-01", 900);
                let body = match self.rng.gen_range(0..4) {
                    0 => {
                        let mut b = json!({"kind": "selection", "occurred_on": on,
                                           "basis": "選定時自己評価票を確認した"});
                        if kind == "cloud_service" {
                            b["ismap_listing"] = json!("ISMAP 登録番号 C23-0001");
                            b["data_location"] = json!("日本（東京リージョン）");
                        }
                        b
                    }
                    1 => json!({"kind": "supervision", "occurred_on": on, "method": "remote",
                                "observed": "画面共有で作業端末の設定を確認"}),
                    2 => json!({"kind": "no_information", "occurred_on": on,
                                "basis": "個人情報を含む情報は渡さない"}),
                    _ => json!({"kind": "inspection", "occurred_on": on, "method": "video",
                                "place": "港区立区民センター 事務室", "result": "conforming"}),
                };
                let who = if body["kind"] == "inspection" {
                    &self.ciso
                } else {
                    self.owner(kind)
                };
                let res = self
                    .app
                    .post(who, &format!("/api/v1/engagements/{id}/records"), &body)
                    .await;
                Self::expect_no_fault(res, "record").await;
            }
            6 => {
                if self.items.is_empty() {
                    return;
                }
                let (id, item) = self.items[self.rng.gen_range(0..self.items.len())].clone();
                let kind = self
                    .engagements
                    .iter()
                    .find(|(e, _)| e == &id)
                    .map(|(_, k)| *k)
                    .unwrap();
                let res = self
                    .app
                    .post(
                        self.owner(kind),
                        &format!("/api/v1/engagements/{id}/approvals"),
                        &json!({"rule_id": "R-3.3.3", "subject_id": item, "note": "運用保守のため"}),
                    )
                    .await;
                let asked = Self::expect_no_fault(res, "approval").await;
                // Some requests stay pending: a deadline of whoever decides them.
                if let Some(approval) = asked["id"].as_str().filter(|_| self.rng.gen_bool(0.6)) {
                    let decision = if self.rng.gen_bool(0.8) {
                        json!({"decision": "approved"})
                    } else {
                        json!({"decision": "rejected", "reason": "範囲が広すぎる"})
                    };
                    for who in [&self.ciso, &self.csm, &self.sa, &self.so] {
                        let res = self
                            .app
                            .post(
                                who,
                                &format!("/api/v1/approvals/{approval}/decision"),
                                &decision,
                            )
                            .await;
                        if Self::expect_no_fault(res, "decide").await["state"].is_string() {
                            break;
                        }
                    }
                }
            }
            7 => {
                let (id, kind) = self.pick().unwrap();
                let rule = WAIVABLE[self.rng.gen_range(0..WAIVABLE.len())];
                let mut body =
                    json!({"rule_id": rule, "reason": "施設改修で作業場所が閉鎖中のため"});
                if self.rng.gen_bool(0.5) {
                    body["expires_on"] = json!(day(&mut self.rng, "2030-06-01", 600));
                }
                let path = format!("/api/v1/engagements/{id}/obligations/waivers");
                let res = self.app.post(self.owner(kind), &path, &body).await;
                let asked = Self::expect_no_fault(res, "waiver").await;
                if let Some(waiver) = asked["id"].as_str() {
                    let res = self
                        .app
                        .post(
                            &self.csm,
                            &format!("{path}/{waiver}/decision"),
                            &json!({"decision": "approved"}),
                        )
                        .await;
                    Self::expect_no_fault(res, "waiver decision").await;
                }
            }
            8 => {
                let (id, kind) = self.pick().unwrap();
                let months = [1, 3, 6, 12][self.rng.gen_range(0..4)];
                let res = self
                    .app
                    .put(
                        self.owner(kind),
                        &format!("/api/v1/engagements/{id}/check-interval"),
                        &json!({ "months": months }),
                    )
                    .await;
                Self::expect_no_fault(res, "interval").await;
            }
            _ => {
                let days = self.rng.gen_range(0..150);
                self.app.clock.advance(chrono::Duration::days(days));
            }
        }
    }

    /// Every engagement's obligations as derived afresh, as JSON lines.
    async fn fresh(&self) -> Vec<Value> {
        let mut all = Vec::new();
        for (id, _) in &self.engagements {
            let list: Value = self
                .app
                .get(&self.ciso, &format!("/api/v1/engagements/{id}/obligations"))
                .await
                .json()
                .await
                .unwrap();
            all.extend(list.as_array().unwrap().iter().cloned());
        }
        all
    }

    /// The register-wide list, every page, read from the stored rows. Small pages, so that
    /// they cross from the obligations without a due date to those with one.
    async fn stored(&self, state: Option<&str>) -> (Vec<Value>, i64) {
        let mut all = Vec::new();
        let mut total = 0;
        for page in 1.. {
            let filter = state.map(|s| format!("&state={s}")).unwrap_or_default();
            let body: Value = self
                .app
                .get(
                    &self.ciso,
                    &format!("/api/v1/obligations?per_page=7&page={page}{filter}"),
                )
                .await
                .json()
                .await
                .unwrap();
            total = body["total"].as_i64().unwrap();
            let items = body["items"].as_array().unwrap();
            all.extend(items.iter().cloned());
            if items.len() < 7 {
                break;
            }
        }
        (all, total)
    }

    /// The deadlines of each person within a year, from the whole register's derivation
    /// (the sweep's path): (key, due date).
    async fn derived_deadlines(&self) -> BTreeMap<String, Vec<(String, String)>> {
        let pool = self.app.pool.clone();
        let url = self.app.database_url.clone();
        let now = self.app.clock.now();
        let people: Vec<String> = [&self.so, &self.sa, &self.ciso, &self.csm]
            .iter()
            .map(|u| u.id.clone())
            .collect();
        tokio::task::spawn_blocking(move || {
            let config = Config::from_pairs(&[("database_url", url.as_str())]).unwrap();
            let clauses = ClauseTemplates::load(None).unwrap();
            let mut conn = pool.get().unwrap();
            let today = config.date_at(now);
            let horizon = today + chrono::Days::new(365);
            let all =
                itaku::app::deadlines::all_deadlines(&mut conn, &config, clauses.catalog(), today)
                    .unwrap();
            // The sweep's narrow read gives the same deadlines, owners included, for any
            // horizon.
            for days in [0, 14, 90, 365] {
                let until = today + chrono::Days::new(days);
                let described = |d: &itaku::deadlines::Deadline| {
                    format!("{} {} {:?}", d.key, d.due_on, d.owner)
                };
                let mut expected: Vec<String> = all
                    .iter()
                    .filter(|d| d.due_on <= until)
                    .map(described)
                    .collect();
                expected.sort();
                let mut narrow: Vec<String> = Vec::new();
                itaku::app::deadlines::each_due_by(&mut conn, &config, today, until, |d| {
                    narrow.push(described(&d))
                })
                .unwrap();
                narrow.sort();
                assert_eq!(narrow, expected, "due within {days} days");
            }
            let directory = itaku::app::deadlines::Directory::load(&mut conn).unwrap();
            people
                .into_iter()
                .map(|person| {
                    let mut mine: Vec<(String, String)> = all
                        .iter()
                        .filter(|d| d.due_on <= horizon)
                        .filter(|d| directory.resolve(&d.owner).iter().any(|p| p.id == person))
                        .map(|d| (d.key.clone(), d.due_on.to_string()))
                        .collect();
                    mine.sort();
                    (person, mine)
                })
                .collect()
        })
        .await
        .unwrap()
    }

    /// Returns the states and deadline kinds seen, so that the test can tell the
    /// histories reached each of them.
    async fn assert_stored_equals_fresh(
        &self,
        seed: u64,
        step: usize,
    ) -> std::collections::BTreeSet<String> {
        let mut seen = std::collections::BTreeSet::new();
        let lines = |list: &[Value]| {
            let mut v: Vec<String> = list.iter().map(Value::to_string).collect();
            v.sort();
            v
        };
        let fresh = self.fresh().await;
        let (stored, total) = self.stored(None).await;
        assert_eq!(
            total as usize,
            fresh.len(),
            "seed {seed} step {step}: total"
        );
        assert_eq!(
            lines(&stored),
            lines(&fresh),
            "seed {seed} step {step}: stored rows differ from a fresh derivation"
        );
        // In the list's order: no due date first, then soonest due, then by engagement
        // and rule, ties in the order the engagement's obligations were derived.
        let mut expected = fresh.clone();
        expected.sort_by(|a, b| {
            let key = |o: &Value| {
                (
                    o["due_on"].as_str().map(str::to_string),
                    o["engagement_id"].as_str().unwrap().to_string(),
                    o["rule_id"].as_str().unwrap().to_string(),
                )
            };
            key(a).cmp(&key(b))
        });
        assert_eq!(
            stored, expected,
            "seed {seed} step {step}: the list's order"
        );
        for state in ["open", "met", "overdue", "waived"] {
            let (rows, total) = self.stored(Some(state)).await;
            let expected: Vec<Value> = fresh
                .iter()
                .filter(|o| o["state"] == state)
                .cloned()
                .collect();
            assert_eq!(
                total as usize,
                expected.len(),
                "seed {seed} step {step}: {state}"
            );
            if total > 0 {
                seen.insert(state.to_string());
            }
            assert_eq!(
                lines(&rows),
                lines(&expected),
                "seed {seed} step {step}: {state}"
            );
        }
        let derived = self.derived_deadlines().await;
        for who in [&self.so, &self.sa, &self.ciso, &self.csm] {
            let body: Value = self
                .app
                .get(who, "/api/v1/deadlines?within=365")
                .await
                .json()
                .await
                .unwrap();
            let mut read: Vec<(String, String)> = body
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["key"].as_str().unwrap().to_string(),
                        d["due_on"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            read.sort();
            for (key, _) in &read {
                seen.insert(key.split(':').next().unwrap().to_string());
            }
            assert_eq!(
                read, derived[&who.id],
                "seed {seed} step {step}: deadlines of {}",
                who.email
            );
        }
        seen
    }
}

#[tokio::test]
async fn stored_obligations_and_deadlines_equal_a_fresh_derivation_over_random_histories() {
    let mut seen = std::collections::BTreeSet::new();
    for seed in [1_u64, 2, 3] {
        let app = spawn_app().await;
        app.clock.set(at("2030-01-15T00:00:00Z"));
        let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
        let sa = app.staff(&[Role::SystemAdministrator], &["kumin"]).await;
        let ciso = app.staff(&[Role::Ciso], &[]).await;
        let csm = app.staff(&[Role::ChiefSystemManager], &["joho"]).await;
        let vendor = app.vendor(&so, "株式会社港データ").await;
        let mut history = History {
            app,
            so,
            sa,
            ciso,
            csm,
            vendor,
            engagements: Vec::new(),
            items: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
        };
        for step in 0..45 {
            history.step().await;
            if step % 3 == 2 {
                seen.extend(history.assert_stored_equals_fresh(seed, step).await);
            }
        }
        seen.extend(history.assert_stored_equals_fresh(seed, 45).await);
    }
    // The histories reached every state and the kinds of deadline the stored rows feed.
    for reached in [
        "open",
        "met",
        "overdue",
        "waived",
        "obligation",
        "approval",
        "contract_end",
        "access_review",
    ] {
        assert!(seen.contains(reached), "{reached} never seen: {seen:?}");
    }
}
