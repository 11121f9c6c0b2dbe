//! The engagement list's text search, against plain substring search: a register of
//! random Japanese titles, scopes and vendor names from a small alphabet (so that one
//! and two characters match many engagements), and random queries of one to four
//! characters, several words, full-width forms, alone or with other filters, paged. The
//! search index (FTS5 or tsvector) must answer exactly what `str::contains` would, on
//! both databases, and keep up with edits and a vendor's new name. The filters are
//! answered by the index's facets too: they must keep up with a new level, status and
//! vendor.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use unicode_normalization::UnicodeNormalization;

use itaku::domain::Role;

use crate::helpers::{outsourcing_body, spawn_app, TestApp, TestUser};

const ALPHABET: &[char] = &[
    '保', '守', '運', '用', '港', '区', 'シ', 'ス', 'テ', 'ム', 'A', 'b', '1',
];

#[derive(Clone)]
struct Known {
    id: String,
    title: String,
    scope: String,
    vendor: String,
    division: &'static str,
    kind: &'static str,
    level: Option<&'static str>,
    status: &'static str,
}

impl Known {
    /// Whether the engagement passes a filter of the list, given as `name=value`.
    fn passes(&self, filter: &str) -> bool {
        let (name, value) = filter.split_once('=').unwrap();
        match name {
            "division" => self.division == value,
            "kind" => self.kind == value,
            "level" => self.level == Some(value),
            "status" => self.status == value,
            "vendor" => self.vendor == value,
            _ => unreachable!("{filter}"),
        }
    }
}

/// Gives an engagement an information item of `level` (its level becomes the highest of
/// its items', R-3.1) and, when `select`, moves it to `selected`.
async fn classify(app: &TestApp, who: &TestUser, e: &mut Known, level: &'static str, select: bool) {
    let res = app
        .post(
            who,
            &format!("/api/v1/engagements/{}/information-items", e.id),
            &json!({"name": "業務手順書", "level": level, "provided_to_vendor": false}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    e.level = Some(e.level.map_or(level, |l| l.max(level)));
    if select && e.status == "draft" {
        let res = app
            .post(
                who,
                &format!("/api/v1/engagements/{}/transitions", e.id),
                &json!({"to": "selected"}),
            )
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        e.status = "selected";
    }
}

fn normalised(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// The reference: every word of the query (split on anything not alphanumeric) is a
/// substring of the title, the scope or the vendor's name; a query of punctuation alone
/// is a substring as it stands.
fn matches(e: &Known, q: &str, vendors: &BTreeMap<String, String>) -> bool {
    let texts = [
        normalised(&e.title),
        normalised(&e.scope),
        normalised(&vendors[&e.vendor]),
    ];
    let q = normalised(q);
    let words: Vec<&str> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        // Punctuation only: matched as typed.
        return texts.iter().any(|t| t.contains(q.as_str()));
    }
    words.iter().all(|w| texts.iter().any(|t| t.contains(w)))
}

fn random_text(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| {
            if rng.gen_bool(0.1) {
                '・'
            } else {
                *ALPHABET.choose(rng).unwrap()
            }
        })
        .collect()
}

/// All pages of a list, their ids in order, and the total each page gave.
async fn every_page(app: &TestApp, who: &TestUser, query: &str) -> (Vec<String>, i64) {
    let mut ids = Vec::new();
    let mut total = None;
    for page in 1.. {
        let body: Value = app
            .get(
                who,
                &format!("/api/v1/engagements?{query}&per_page=7&page={page}"),
            )
            .await
            .json()
            .await
            .unwrap();
        let t = body["total"].as_i64().unwrap_or_else(|| panic!("{body}"));
        assert_eq!(*total.get_or_insert(t), t, "{query}: the total moved");
        let items = body["items"].as_array().unwrap();
        ids.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_string()));
        if items.len() < 7 {
            break;
        }
    }
    (ids, total.unwrap())
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn text_search_finds_exactly_the_engagements_holding_every_word_of_any_length() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let other_so = app.staff(&[Role::SecurityOfficer], &["hoken"]).await;
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    let mut rng = StdRng::seed_from_u64(16);

    let mut vendors: BTreeMap<String, String> = BTreeMap::new();
    for _ in 0..4 {
        let name = format!("株式会社{}", random_text(&mut rng, 4));
        vendors.insert(app.vendor(&so, &name).await, name);
    }
    let vendor_ids: Vec<String> = vendors.keys().cloned().collect();
    let mut register: Vec<Known> = Vec::new();
    for i in 0..36 {
        let (division, who) = if i % 4 == 3 {
            ("hoken", &other_so)
        } else {
            ("kumin", &so)
        };
        let vendor = vendor_ids.choose(&mut rng).unwrap().clone();
        let len = rng.gen_range(2..9);
        let title = random_text(&mut rng, len);
        let len = rng.gen_range(0..12);
        let scope = format!("{}業務", random_text(&mut rng, len));
        let kind = if i % 3 == 1 {
            "designated_management"
        } else {
            "outsourcing"
        };
        let mut body = outsourcing_body(division, &who.id, &vendor);
        body["title"] = json!(title);
        body["scope"] = json!(scope);
        body["kind"] = json!(kind);
        let res = app.post(who, "/api/v1/engagements", &body).await;
        assert_eq!(res.status(), 201);
        let created: Value = res.json().await.unwrap();
        let mut e = Known {
            id: created["id"].as_str().unwrap().to_string(),
            title,
            scope,
            vendor,
            division,
            kind,
            level: None,
            status: "draft",
        };
        if i % 2 == 0 {
            let level = *["L1", "L2", "L3"].choose(&mut rng).unwrap();
            classify(&app, who, &mut e, level, rng.gen_bool(0.5)).await;
        }
        register.push(e);
    }

    // Queries: substrings of what was registered (one to four characters), their
    // full-width and upper-case forms, two words at once, and strings from the
    // alphabet that may occur nowhere.
    let texts: Vec<String> = register
        .iter()
        .flat_map(|e| [e.title.clone(), e.scope.clone()])
        .chain(vendors.values().cloned())
        .collect();
    let mut queries: Vec<String> = Vec::new();
    for _ in 0..40 {
        let chars: Vec<char> = texts.choose(&mut rng).unwrap().chars().collect();
        let len = rng.gen_range(1..=4).min(chars.len());
        let start = rng.gen_range(0..=chars.len() - len);
        queries.push(chars[start..start + len].iter().collect());
    }
    for _ in 0..8 {
        let len = rng.gen_range(1..4);
        queries.push(random_text(&mut rng, len));
    }
    queries.extend(
        [
            "ａＢ１",
            "B1",
            "保守 港",
            "保 ム",
            "業務",
            "・",
            "%",
            "株式会社",
        ]
        .map(String::from),
    );

    let check =
        |who: &'static str, q: &str, register: &[Known], vendors: &BTreeMap<String, String>| {
            let mut expected: Vec<String> = register
                .iter()
                .filter(|e| who == "ciso" || e.division == "kumin")
                .filter(|e| matches(e, q, vendors))
                .map(|e| e.id.clone())
                .collect();
            // Newest first: ids are time-ordered (UUIDv7).
            expected.sort_unstable_by(|a, b| b.cmp(a));
            expected
        };

    for round in 0..2 {
        for q in &queries {
            // The register-wide search (the index alone) and a division's (the filter
            // drives, the index is asked per engagement).
            for (name, who) in [("ciso", &ciso), ("so", &so)] {
                let expected = check(name, q, &register, &vendors);
                let (ids, total) = every_page(&app, who, &format!("q={}", encode(q))).await;
                assert_eq!(ids, expected, "round {round}, {name}: q={q}");
                assert_eq!(
                    total,
                    expected.len() as i64,
                    "round {round}, {name}: q={q} total"
                );
            }
            // With other filters: each alone, and two at once.
            let filters: Vec<String> = vec![
                "division=hoken".to_string(),
                "kind=designated_management".to_string(),
                format!("level={}", ["L1", "L2", "L3"].choose(&mut rng).unwrap()),
                format!("status={}", ["draft", "selected"].choose(&mut rng).unwrap()),
                format!("vendor={}", vendor_ids.choose(&mut rng).unwrap()),
            ];
            let mut asked: Vec<Vec<&String>> = filters.iter().map(|f| vec![f]).collect();
            asked.push(filters.choose_multiple(&mut rng, 2).collect());
            for set in asked {
                let expected: Vec<String> = check("ciso", q, &register, &vendors)
                    .into_iter()
                    .filter(|id| {
                        let e = register.iter().find(|e| e.id == *id).unwrap();
                        set.iter().all(|f| e.passes(f))
                    })
                    .collect();
                let joined = set.iter().map(|f| f.as_str()).collect::<Vec<_>>().join("&");
                let (ids, total) =
                    every_page(&app, &ciso, &format!("q={}&{joined}", encode(q))).await;
                assert_eq!(ids, expected, "round {round}: q={q}&{joined}");
                assert_eq!(
                    total,
                    expected.len() as i64,
                    "round {round}: q={q}&{joined}"
                );
            }
            let (mut by_title, _) =
                every_page(&app, &ciso, &format!("q={}&sort=title", encode(q))).await;
            by_title.sort_unstable_by(|a, b| b.cmp(a));
            assert_eq!(
                by_title,
                check("ciso", q, &register, &vendors),
                "round {round}: q={q}&sort=title"
            );
        }
        if round == 1 {
            break;
        }
        // Edits: new titles and scopes for some, and every vendor renamed.
        for e in register.iter_mut().step_by(3) {
            let len = rng.gen_range(2..9);
            e.title = random_text(&mut rng, len);
            e.scope = format!("{}・改", random_text(&mut rng, 5));
            let who = if e.division == "hoken" {
                &other_so
            } else {
                &so
            };
            let res = app
                .patch(
                    who,
                    &format!("/api/v1/engagements/{}", e.id),
                    &json!({"title": e.title, "scope": e.scope}),
                )
                .await;
            assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        }
        // New facets: a level raised, a status moved, another vendor.
        for e in register.iter_mut().skip(1).step_by(4) {
            let who = if e.division == "hoken" {
                &other_so
            } else {
                &so
            };
            let level = *["L1", "L2", "L3"].choose(&mut rng).unwrap();
            classify(&app, who, e, level, true).await;
            let vendor = vendor_ids.choose(&mut rng).unwrap().clone();
            let res = app
                .patch(
                    who,
                    &format!("/api/v1/engagements/{}", e.id),
                    &json!({"vendor_id": vendor}),
                )
                .await;
            assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
            e.vendor = vendor;
        }
        for (id, name) in vendors.iter_mut() {
            *name = format!("有限会社{}", random_text(&mut rng, 4));
            let res = app
                .patch(
                    &so,
                    &format!("/api/v1/vendors/{id}"),
                    &json!({"legal_name": name}),
                )
                .await;
            assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        }
        queries.extend(["有限会社", "改"].map(String::from));
        queries.retain(|q| q != "株式会社");
        assert!(
            check("ciso", "株式会社", &register, &vendors).is_empty(),
            "the old names are gone"
        );
        let (ids, _) = every_page(&app, &ciso, &format!("q={}", encode("株式会社"))).await;
        assert!(
            ids.is_empty(),
            "a vendor's old name no longer finds its engagements"
        );
    }
}
