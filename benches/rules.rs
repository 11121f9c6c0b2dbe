//! `cargo bench --bench rules`: the two pure rule functions, with no database or HTTP.
//!
//! 1. Clause sets rendered per second: the mandatory clauses of one fixed engagement (an
//!    L3 outsourcing with two information items, as in tests/api/clauses_golden.rs),
//!    rendered through `ClauseTemplates::render` in Japanese and English Markdown and in
//!    Japanese HTML.
//! 2. Obligations recomputed per second: `policy::obligations::obligations` over 100,000
//!    in-memory engagement snapshots built by a deterministic generator.
//!
//! Prints Markdown tables of the results. See benches/README.md.

use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use itaku::clauses::{ClauseTemplates, ContractFacts, Format, ItemFact};
use itaku::config::RuleSettings;
use itaku::domain::{ClassificationLevel, EngagementKind, Status};
use itaku::i18n::Lang;
use itaku::policy::obligations::{
    obligations, AssetSnapshot, ContractSnapshot, EngagementSnapshot, ItemSnapshot,
    ObligationState, Waiver,
};

/// Renders per format, in `RENDER_BATCHES` timed batches, after `RENDER_WARMUP`
/// unmeasured ones.
const RENDERS: usize = 2_000;
const RENDER_BATCHES: usize = 5;
const RENDER_WARMUP: usize = 200;
const ENGAGEMENTS: usize = 100_000;
/// Full passes over the 100,000 snapshots, after one unmeasured pass.
const PASSES: usize = 7;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

/// The engagement of tests/api/clauses_golden.rs: an L3 outsourcing with two items.
fn fixed_engagement() -> ContractFacts {
    ContractFacts {
        organization: "港区".into(),
        kind: EngagementKind::Outsourcing,
        level: Some(ClassificationLevel::L3),
        title: "住民記録システム運用保守業務委託".into(),
        scope: "住民記録システムの運用監視、障害対応、定期保守及びバックアップの取得".into(),
        division_name: "区民課".into(),
        responsible_name: "赤坂 花子".into(),
        starts_on: d(2027, 4, 1),
        ends_on: d(2028, 3, 31),
        vendor_name: "東京システム運用株式会社".into(),
        corporate_number: Some("8000020131032".into()),
        items: vec![
            ItemFact {
                name: "住民基本台帳データ".into(),
                description: "氏名・住所・生年月日等".into(),
                level: ClassificationLevel::L3,
                provided: true,
            },
            ItemFact {
                name: "運用手順書".into(),
                description: "".into(),
                level: ClassificationLevel::L2,
                provided: false,
            },
        ],
        check_interval_months: 6,
        certificate_deadline_days: 30,
        generated_on: d(2027, 3, 1),
    }
}

/// A small deterministic generator (xorshift64*), so every run builds the same snapshots.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` %.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

struct RenderResult {
    label: &'static str,
    clauses: usize,
    bytes: usize,
    /// All `RENDERS` renders.
    elapsed: Duration,
    /// The fastest batch of `RENDERS / RENDER_BATCHES`.
    best_batch: Duration,
}

fn bench_render(templates: &ClauseTemplates) -> Vec<RenderResult> {
    let facts = fixed_engagement();
    let required = templates.catalog().mandatory(facts.kind, facts.level);
    let cases = [
        ("ja / markdown", Lang::Ja, Format::Markdown),
        ("en / markdown", Lang::En, Format::Markdown),
        ("ja / html", Lang::Ja, Format::Html),
    ];
    let mut results = Vec::new();
    for (label, lang, format) in cases {
        let render = || {
            templates
                .render(black_box(&facts), black_box(&required), lang, format)
                .expect("the built-in templates render")
        };
        let bytes = render().bytes().len();
        for _ in 0..RENDER_WARMUP {
            black_box(render());
        }
        let mut elapsed = Duration::ZERO;
        let mut best_batch = Duration::MAX;
        for _ in 0..RENDER_BATCHES {
            let started = Instant::now();
            for _ in 0..RENDERS / RENDER_BATCHES {
                black_box(render());
            }
            let batch = started.elapsed();
            elapsed += batch;
            best_batch = best_batch.min(batch);
        }
        eprintln!("  render {label}: done in {:.2} s", elapsed.as_secs_f64());
        results.push(RenderResult {
            label,
            clauses: required.len(),
            bytes,
            elapsed,
            best_batch,
        });
    }
    results
}

/// 100,000 snapshots: ~60 % outsourcing (a tenth of them subcontracts), ~15 % designated
/// management, ~25 % cloud services; levels None/L1/L2/L3; statuses along the lifecycle
/// with the days each was reached; 0–4 items; some signed contracts, complete or not;
/// designated managers' systems and assets; a few waivers.
fn snapshots(templates: &ClauseTemplates, today: NaiveDate) -> Vec<EngagementSnapshot> {
    let catalog = templates.catalog();
    let levels = [
        None,
        Some(ClassificationLevel::L1),
        Some(ClassificationLevel::L2),
        Some(ClassificationLevel::L3),
    ];
    let mut mandatory: HashMap<(EngagementKind, Option<ClassificationLevel>), Vec<String>> =
        HashMap::new();
    for kind in EngagementKind::ALL {
        for level in levels {
            let ids = catalog
                .mandatory(*kind, level)
                .iter()
                .map(|c| c.id.clone())
                .collect();
            mandatory.insert((*kind, level), ids);
        }
    }
    let forward = [
        Status::Draft,
        Status::Selected,
        Status::Contracted,
        Status::Active,
        Status::Ending,
        Status::Closed,
    ];
    let mut rng = Rng(0x1DA_C0DE_2026_0401);
    let mut out = Vec::with_capacity(ENGAGEMENTS);
    for n in 0..ENGAGEMENTS {
        let kind = match rng.below(100) {
            0..=59 => EngagementKind::Outsourcing,
            60..=74 => EngagementKind::DesignatedManagement,
            _ => EngagementKind::CloudService,
        };
        let item_count = rng.below(5);
        let items: Vec<ItemSnapshot> = (0..item_count)
            .map(|i| {
                let level = match rng.below(10) {
                    0..=3 => ClassificationLevel::L1,
                    4..=7 => ClassificationLevel::L2,
                    _ => ClassificationLevel::L3,
                };
                ItemSnapshot {
                    id: format!("item-{n}-{i}"),
                    name: format!("情報項目{}", i + 1),
                    level,
                    provided_to_vendor: rng.chance(60),
                }
            })
            .collect();
        // the highest level of the items, none without items.
        let level = items.iter().map(|i| i.level).max();
        let year = 2024 + rng.below(4) as i32;
        let starts_on = d(year, 4, 1);
        let ends_on = d(year + 1 + rng.below(3) as i32, 3, 31);

        // Walk forward to a status, recording the day each one was reached; a few are
        // terminated on the way.
        let target = match rng.below(100) {
            0..=14 => 0,
            15..=29 => 1,
            30..=44 => 2,
            45..=74 => 3,
            75..=84 => 4,
            _ => 5,
        };
        let mut reached = HashMap::new();
        let mut day = starts_on - chrono::Days::new(120);
        for status in &forward[..=target] {
            if *status != Status::Draft {
                reached.insert(*status, day);
            }
            day = day + chrono::Days::new(10 + rng.below(60) as u64);
        }
        let mut status = forward[target];
        if target < 5 && rng.chance(5) {
            reached.insert(Status::Terminated, day);
            status = Status::Terminated;
        }

        let mandatory_clauses = mandatory[&(kind, level)].clone();
        let contract = (reached.contains_key(&Status::Contracted) || rng.chance(10)).then(|| {
            let mut clause_ids = mandatory_clauses.clone();
            // One in five contracts lacks a mandatory clause.
            if !clause_ids.is_empty() && rng.chance(20) {
                clause_ids.remove(rng.below(clause_ids.len()));
            }
            ContractSnapshot {
                signed_on: reached
                    .get(&Status::Contracted)
                    .copied()
                    .unwrap_or(starts_on - chrono::Days::new(14)),
                clause_ids,
            }
        });
        // Half the provided L2/L3 items have their provision approved.
        let approved_items = items
            .iter()
            .filter(|i| i.provided_to_vendor && i.level >= ClassificationLevel::L2)
            .filter(|_| rng.chance(50))
            .map(|i| (i.id.clone(), starts_on - chrono::Days::new(30)))
            .collect();
        // A designated manager's own systems and brought-in assets, 0–2,
        // half of them approved.
        let manager_assets = if kind == EngagementKind::DesignatedManagement {
            (0..rng.below(3))
                .map(|i| AssetSnapshot {
                    id: format!("asset-{n}-{i}"),
                    name: format!("設備{}", i + 1),
                    is_system: rng.chance(50),
                    approved_on: rng.chance(50).then(|| starts_on - chrono::Days::new(7)),
                })
                .collect()
        } else {
            Vec::new()
        };
        // A few periodic checks are waived by the CISO.
        let waivers = if rng.chance(3) {
            let rule_id = match kind {
                EngagementKind::Outsourcing => "R-8.3.2",
                EngagementKind::DesignatedManagement => "R-7.4",
                EngagementKind::CloudService => "R-9.3.3",
            };
            vec![Waiver {
                rule_id: rule_id.into(),
                subject: None,
                reason: "ベンチマーク".into(),
                by_user_id: "ciso".into(),
                expires_on: Some(today + chrono::Days::new(90)),
            }]
        } else {
            Vec::new()
        };
        let level_raised_on = (level >= Some(ClassificationLevel::L2) && rng.chance(10))
            .then(|| today - chrono::Days::new(rng.below(200) as u64));

        // Selected engagements have their selection recorded.
        let recorded = reached
            .get(&Status::Selected)
            .map(|on| (itaku::policy::records::RecordKind::Selection, *on))
            .into_iter()
            .collect();
        out.push(EngagementSnapshot {
            kind,
            level,
            status,
            starts_on,
            ends_on,
            responsible_user_id: format!("user-{}", rng.below(50)),
            is_subcontract: kind == EngagementKind::Outsourcing && rng.chance(10),
            level_raised_on,
            items,
            reached,
            contract,
            mandatory_clauses,
            approved_items,
            manager_assets,
            waivers,
            check_interval_months: None,
            checks_accepted: std::collections::HashMap::new(),
            recorded,
            configuration_kept_on: None,
            responsibility_agreed_on: None,
        });
    }
    out
}

/// The mix of the generated snapshots, to show what was measured.
fn describe(all: &[EngagementSnapshot]) -> String {
    let count = |f: &dyn Fn(&EngagementSnapshot) -> bool| all.iter().filter(|e| f(e)).count();
    let kinds: Vec<String> = EngagementKind::ALL
        .iter()
        .map(|k| format!("{k} {}", count(&|e| e.kind == *k)))
        .collect();
    let levels: Vec<String> = [
        None,
        Some(ClassificationLevel::L1),
        Some(ClassificationLevel::L2),
        Some(ClassificationLevel::L3),
    ]
    .iter()
    .map(|l| {
        let name = l.map_or("none", |l| l.as_str());
        format!("{name} {}", count(&|e| e.level == *l))
    })
    .collect();
    format!(
        "{}; level {}; {} with a contract, {} terminated, {} items",
        kinds.join(", "),
        levels.join(", "),
        count(&|e| e.contract.is_some()),
        count(&|e| e.status == Status::Terminated),
        all.iter().map(|e| e.items.len()).sum::<usize>(),
    )
}

struct PassTotals {
    obligations: usize,
    by_state: BTreeMap<&'static str, usize>,
}

fn state_name(state: ObligationState) -> &'static str {
    match state {
        ObligationState::Open => "open",
        ObligationState::Met => "met",
        ObligationState::Overdue => "overdue",
        ObligationState::Waived => "waived",
    }
}

/// One pass over every snapshot, only counting what comes out.
fn pass(all: &[EngagementSnapshot], today: NaiveDate, settings: &RuleSettings) -> usize {
    let mut produced = 0;
    for e in all {
        produced += black_box(obligations(black_box(e), today, settings)).len();
    }
    produced
}

fn tally(all: &[EngagementSnapshot], today: NaiveDate, settings: &RuleSettings) -> PassTotals {
    let mut totals = PassTotals {
        obligations: 0,
        by_state: BTreeMap::new(),
    };
    for e in all {
        for o in obligations(e, today, settings) {
            totals.obligations += 1;
            *totals.by_state.entry(state_name(o.state)).or_default() += 1;
        }
    }
    totals
}

fn main() {
    // `cargo bench` passes `--bench`; this benchmark takes no arguments.
    let started = Instant::now();
    let templates = ClauseTemplates::load(None).expect("built-in templates load");
    println!(
        "rules: templates loaded and checked in {:.0} ms ({} clauses in the catalog)",
        started.elapsed().as_secs_f64() * 1000.0,
        templates.catalog().clauses.len()
    );

    let renders = bench_render(&templates);

    let today = d(2026, 11, 26);
    let settings = RuleSettings::default();
    let started = Instant::now();
    let all = snapshots(&templates, today);
    println!(
        "built {ENGAGEMENTS} engagement snapshots in {:.0} ms: {}",
        started.elapsed().as_secs_f64() * 1000.0,
        describe(&all)
    );
    let totals = tally(&all, today, &settings);
    // Warm-up pass, not measured.
    assert_eq!(pass(&all, today, &settings), totals.obligations);
    let mut times = Vec::with_capacity(PASSES);
    for i in 0..PASSES {
        let started = Instant::now();
        let produced = pass(&all, today, &settings);
        let elapsed = started.elapsed();
        assert_eq!(produced, totals.obligations);
        eprintln!(
            "  obligations pass {}: {:.1} ms",
            i + 1,
            elapsed.as_secs_f64() * 1000.0
        );
        times.push(elapsed);
    }
    times.sort();
    let best = times[0];
    let median = times[times.len() / 2];

    println!();
    println!("| clause set (L3 outsourcing, mandatory clauses) | clauses | output (bytes) | renders | renders/s | mean (µs/render) | best batch (µs/render) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in &renders {
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.1} | {:.1} |",
            r.label,
            r.clauses,
            r.bytes,
            RENDERS,
            RENDERS as f64 / r.elapsed.as_secs_f64(),
            r.elapsed.as_secs_f64() * 1e6 / RENDERS as f64,
            r.best_batch.as_secs_f64() * 1e6 / (RENDERS / RENDER_BATCHES) as f64,
        );
    }

    let per_second = |t: Duration| ENGAGEMENTS as f64 / t.as_secs_f64();
    println!();
    println!("| obligations over {ENGAGEMENTS} engagements | passes | time per pass (ms) | engagements/s | µs per engagement |");
    println!("|---|---:|---:|---:|---:|");
    for (label, t) in [("best", best), ("median", median)] {
        println!(
            "| {label} | {PASSES} | {:.1} | {:.0} | {:.2} |",
            t.as_secs_f64() * 1000.0,
            per_second(t),
            t.as_secs_f64() * 1e6 / ENGAGEMENTS as f64,
        );
    }

    println!();
    println!("| obligations produced per pass (today = {today}) | count | share |");
    println!("|---|---:|---:|");
    for (state, count) in &totals.by_state {
        println!(
            "| {state} | {count} | {:.1} % |",
            100.0 * *count as f64 / totals.obligations as f64
        );
    }
    println!("| **total** | {} | 100.0 % |", totals.obligations);
}
