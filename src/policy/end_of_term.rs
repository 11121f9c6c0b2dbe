//! The end of an engagement: who owes the end-of-term attestation (R-8.4.1, R-8.4.2,
//! ), what the vendor's attestation must say before it can be submitted
//! and what closing needs.
//!
//! The attestation reports, for every information item the vendor handled, what became
//! of it: returned to the ward, paper disposed of, electronically erased, or deleted from
//! a cloud service. The method of an erasure is named by its NIST SP 800-88 Rev. 2
//! category (clear, purge, destroy) and technique. Pure functions: the questionnaire
//! layer reads the vendor's answers into [`ItemReport`] and [`Statements`], and maps each
//! [`Problem`] back to the question it is about.

use chrono::NaiveDate;

use crate::domain::engagement::wire_enum;
use crate::domain::{ClassificationLevel, EngagementKind, Status};
use crate::i18n::Msg;

wire_enum! {
    /// What became of an information item at the end: handed back to the ward to a named
    /// receiver, paper records destroyed, erased from media,
    /// or deleted from a cloud service by the provider or the customer.
    Disposition {
        Returned => "returned",
        PaperDisposed => "paper_disposed",
        Erased => "erased",
        CloudDeleted => "cloud_deleted",
    }
}

wire_enum! {
    /// NIST SP 800-88 Rev. 2's categories of sanitization.
    Category {
        Clear => "clear",
        Purge => "purge",
        Destroy => "destroy",
    }
}

wire_enum! {
    /// How the information was made unrecoverable. `provider_deletion`: deleted by the
    /// cloud provider, with its deletion evidence. `format_only`: formatting or
    /// initialisation alone, never an erasure; it is offered so that
    /// a vendor who did only that is told why it is not enough.
    Technique {
        Overwrite => "overwrite",
        CryptographicErase => "cryptographic_erase",
        Degauss => "degauss",
        Shred => "shred",
        Dissolve => "dissolve",
        Incinerate => "incinerate",
        ProviderDeletion => "provider_deletion",
        FormatOnly => "format_only",
    }
}

wire_enum! {
    /// How much of the media the erasure was verified on.
    Verification {
        Full => "full",
        Sampled => "sampled",
    }
}

wire_enum! {
    VerificationResult {
        Passed => "passed",
        Failed => "failed",
    }
}

impl Technique {
    /// The categories a technique achieves: overwriting clears (and on media where it
    /// reaches every block, purges); cryptographic erase and degaussing purge; shredding,
    /// dissolving and incinerating destroy.
    pub fn categories(self) -> &'static [Category] {
        match self {
            Technique::Overwrite => &[Category::Clear, Category::Purge],
            Technique::CryptographicErase | Technique::Degauss => &[Category::Purge],
            Technique::Shred | Technique::Dissolve | Technique::Incinerate => &[Category::Destroy],
            Technique::ProviderDeletion | Technique::FormatOnly => &[],
        }
    }

    /// Techniques run by a tool whose name and version the attestation gives.
    pub fn needs_tool(self) -> bool {
        matches!(
            self,
            Technique::Overwrite | Technique::CryptographicErase | Technique::Degauss
        )
    }

    /// how L2/L3 printouts are disposed of.
    pub fn destroys_paper(self) -> bool {
        matches!(
            self,
            Technique::Shred | Technique::Dissolve | Technique::Incinerate
        )
    }
}

/// Which end-of-term rules an engagement's attestation meets, or `None` when it owes
/// none. Owed by an outsourcing (and a designated manager's subcontract, R-8.5) and by a
/// cloud service at L2/L3 (R-9.4; §10 asks nothing at the end of an L1 service) once a
/// contract was reached; by a designated management when the ward's information was
/// handed over (the agreement's protective measures, R-7.3, end with its return — the
/// attestation then meets no rule of its own). Nothing is owed by an engagement that never
/// reached a contract: nothing was handed over.
pub fn attestation_rules(
    kind: EngagementKind,
    level: Option<ClassificationLevel>,
    reached_contract: bool,
    items_handed_over: usize,
) -> Option<&'static [&'static str]> {
    if !reached_contract {
        return None;
    }
    match kind {
        EngagementKind::Outsourcing => Some(&["R-8.4.1", "R-8.4.2"]),
        EngagementKind::CloudService if level.is_some_and(|l| l >= ClassificationLevel::L2) => {
            Some(&["R-9.4.1", "R-9.4.2"])
        }
        EngagementKind::CloudService => None,
        EngagementKind::DesignatedManagement if items_handed_over > 0 => Some(&[]),
        EngagementKind::DesignatedManagement => None,
    }
}

/// The end-of-term rules, met only by an accepted attestation: a waiver's free-text
/// reason cannot stand in for the vendor's signed account of where the information went.
pub const END_OF_TERM_RULES: &[&str] = &["R-8.4.1", "R-8.4.2", "R-9.4.1", "R-9.4.2"];

/// Whether an end date that has passed moves an engagement to `ending` by itself.
pub fn ends_by_itself(status: Status, ends_on: NaiveDate, today: NaiveDate) -> bool {
    status == Status::Active && ends_on < today
}

/// One information item as the vendor reported it.
#[derive(Debug, Clone, Default)]
pub struct ItemReport {
    pub level: Option<ClassificationLevel>,
    pub disposition: Option<Disposition>,
    /// Who at the ward received it back.
    pub receiver: bool,
    pub category: Option<Category>,
    pub technique: Option<Technique>,
    /// The tool and its version.
    pub tool: bool,
    pub verification: Option<Verification>,
    pub result: Option<VerificationResult>,
    /// Files attached as evidence (the tool's log, photographs, the provider's deletion
    /// certificate).
    pub evidence_files: usize,
    pub done_on: Option<NaiveDate>,
    pub done_by: bool,
}

/// The statements that close the attestation.
#[derive(Debug, Clone, Default)]
pub struct Statements {
    /// Copies, backups, logs and subcontractors' copies are included in what was reported.
    pub copies_included: Option<bool>,
    /// The copies that could not be erased, and why.
    pub exceptions: bool,
    /// the measures were kept for the whole term.
    pub measures_kept: Option<bool>,
    /// What was not kept, when they were not.
    pub measures_note: bool,
}

/// The part of a report a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Disposition,
    Receiver,
    Category,
    Technique,
    Tool,
    Verification,
    Result,
    Evidence,
    DoneOn,
    DoneBy,
    Exceptions,
    MeasuresNote,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    /// `required`, `refused` or `invalid`.
    pub code: &'static str,
    pub message: Msg,
}

fn required(field: Field, ja: &str, en: &str) -> Problem {
    Problem {
        field,
        code: "required",
        message: Msg::new(ja, en),
    }
}

fn refused(field: Field, ja: String, en: String) -> Problem {
    Problem {
        field,
        code: "refused",
        message: Msg::new(ja, en),
    }
}

/// What the attestation is judged against: the organisation's date and the term.
#[derive(Debug, Clone, Copy)]
pub struct Term {
    pub starts_on: NaiveDate,
    pub today: NaiveDate,
}

/// Why an item's report cannot be submitted, each naming the part at fault in words the
/// vendor can act on. An item with no disposition blocks the submission.
pub fn item_problems(r: &ItemReport, term: Term) -> Vec<Problem> {
    let mut out = Vec::new();
    let Some(disposition) = r.disposition else {
        out.push(required(
            Field::Disposition,
            "この情報をどう処理したか（返還、紙の廃棄、電子データの消去、クラウド上の削除）を選んでください（R-8.4.2）",
            "Say what became of this information: returned, paper disposed of, erased, or deleted from the cloud (R-8.4.2)",
        ));
        return out;
    };
    let paper_level = r.level.is_some_and(|l| l >= ClassificationLevel::L2);
    match disposition {
        Disposition::Returned => {
            if !r.receiver {
                out.push(required(
                    Field::Receiver,
                    "返還した区の受領者（所属と氏名）を記入してください",
                    "Name the ward's receiver (division and name)",
                ));
            }
        }
        Disposition::PaperDisposed | Disposition::Erased | Disposition::CloudDeleted => {
            match r.technique {
                None => out.push(required(
                    Field::Technique,
                    "処理の方法を選んでください",
                    "Choose how it was done",
                )),
                Some(Technique::FormatOnly) => out.push(refused(
                    Field::Technique,
                    "初期化（フォーマット）だけでは情報は消去されず、復元できます。上書き消去、暗号化消去、消磁又は物理的な破壊で処理し、その方法を選んでください（R-3.5.5、R-6.9.1）".into(),
                    "Formatting or initialising alone leaves the information recoverable. Overwrite, cryptographically erase, degauss or physically destroy the media and choose that method (R-3.5.5, R-6.9.1)".into(),
                )),
                Some(t) => {
                    technique_problems(disposition, t, r, paper_level, &mut out);
                }
            }
            if !r.done_by {
                out.push(required(
                    Field::DoneBy,
                    "作業した人（所属と氏名）を記入してください",
                    "Name who did it (organisation and name)",
                ));
            }
        }
    }
    match r.done_on {
        None => out.push(required(
            Field::DoneOn,
            "処理した日を記入してください",
            "Give the date it was done",
        )),
        Some(d) if d > term.today => out.push(refused(
            Field::DoneOn,
            "処理した日が未来の日付です。処理を終えてから報告してください".into(),
            "The date is in the future: report what has been done".into(),
        )),
        Some(d) if d < term.starts_on => out.push(refused(
            Field::DoneOn,
            "処理した日が委託の開始日より前です".into(),
            "The date is before the engagement started".into(),
        )),
        Some(_) => {}
    }
    out
}

fn technique_problems(
    disposition: Disposition,
    t: Technique,
    r: &ItemReport,
    paper_level: bool,
    out: &mut Vec<Problem>,
) {
    match disposition {
        Disposition::PaperDisposed => {
            if paper_level && !t.destroys_paper() {
                out.push(refused(
                    Field::Technique,
                    "L2・L3 の情報を印刷した書類は、焼却、溶解又は裁断（シュレッダー）で廃棄します（R-3.6.4）".into(),
                    "Printouts of L2/L3 information are disposed of by incineration, dissolution or shredding (R-3.6.4)".into(),
                ));
            }
        }
        Disposition::Erased => {
            if t == Technique::ProviderDeletion {
                out.push(refused(
                    Field::Technique,
                    "「事業者による削除」はクラウド上のデータの処理です。媒体の消去の方法を選んでください".into(),
                    "Provider deletion is for data in a cloud service: choose how the media was erased".into(),
                ));
                return;
            }
            match r.category {
                None => out.push(required(
                    Field::Category,
                    "消去の区分（NIST SP 800-88 の Clear、Purge、Destroy）を選んでください",
                    "Choose the category (NIST SP 800-88 clear, purge or destroy)",
                )),
                Some(c) if !t.categories().contains(&c) => out.push(refused(
                    Field::Category,
                    format!(
                        "選んだ方法（{}）では区分「{}」になりません。方法か区分を見直してください",
                        t.as_str(),
                        c.as_str()
                    ),
                    format!(
                        "The technique ({}) does not achieve the category {}: correct one of them",
                        t.as_str(),
                        c.as_str()
                    ),
                )),
                Some(_) => {}
            }
            if t.needs_tool() && !r.tool {
                out.push(required(
                    Field::Tool,
                    "使ったツールの名称と版を記入してください",
                    "Name the tool and its version",
                ));
            }
            verification_problems(r, out);
        }
        Disposition::CloudDeleted => {
            if !matches!(
                t,
                Technique::ProviderDeletion | Technique::CryptographicErase | Technique::Overwrite
            ) {
                out.push(refused(
                    Field::Technique,
                    "クラウド上のデータは、事業者による削除、暗号化消去（鍵の破棄）又は上書きで処理します".into(),
                    "Data in a cloud service is deleted by the provider, cryptographically erased (keys destroyed) or overwritten".into(),
                ));
            }
            if paper_level && r.evidence_files == 0 {
                out.push(refused(
                    Field::Evidence,
                    "L2・L3 の情報をクラウド上から削除したときは、クラウド事業者が発行する削除の証明（削除証明書、削除ログ等）を添付してください".into(),
                    "For L2/L3 information deleted from a cloud service, attach the provider's evidence of deletion (a certificate or deletion log)".into(),
                ));
            }
            verification_problems(r, out);
        }
        Disposition::Returned => {}
    }
}

fn verification_problems(r: &ItemReport, out: &mut Vec<Problem>) {
    if r.verification.is_none() {
        out.push(required(
            Field::Verification,
            "消去を確かめた範囲（全数又は抜き取り）を選んでください",
            "Say how the erasure was verified (in full or by sampling)",
        ));
    }
    match r.result {
        None => out.push(required(
            Field::Result,
            "検証の結果を選んでください",
            "Give the verification's result",
        )),
        Some(VerificationResult::Failed) => out.push(refused(
            Field::Result,
            "検証で消去を確認できなかった媒体は、もう一度消去するか物理的に破壊し、確認できてから報告してください".into(),
            "Media whose erasure could not be verified must be erased again or destroyed before it is reported".into(),
        )),
        Some(VerificationResult::Passed) => {}
    }
}

/// Why the closing statements cannot be submitted.
pub fn statement_problems(s: &Statements) -> Vec<Problem> {
    let mut out = Vec::new();
    if s.copies_included == Some(false) && !s.exceptions {
        out.push(required(
            Field::Exceptions,
            "消去できなかった複製、バックアップ、ログ又は再委託先の複製と、その理由を記入してください",
            "List the copies, backups, logs or subcontractors' copies that could not be erased, and why",
        ));
    }
    if s.measures_kept == Some(false) && !s.measures_note {
        out.push(required(
            Field::MeasuresNote,
            "実施できなかった対策と、その期間及び理由を記入してください（R-8.4.1）",
            "Say which measures were not kept, when and why (R-8.4.1)",
        ));
    }
    out
}

/// What closing an engagement is decided on, loaded by the caller.
#[derive(Debug, Clone, Default)]
pub struct ClosingFacts {
    /// The attestation is owed ([`attestation_rules`]).
    pub attestation_owed: bool,
    pub attestation_accepted: bool,
    /// a second person approved the closing.
    pub closing_approved: bool,
    /// subcontracts neither closed nor terminated, by title.
    pub open_subcontracts: Vec<String>,
}

/// What an engagement lacks before it may close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosingMissing {
    /// The attestation is owed and not accepted.
    Attestation,
    /// no second person approved the closing.
    Approval,
    /// subcontracts not closed or terminated, by title.
    Subcontracts(Vec<String>),
}

impl ClosingMissing {
    /// A stable name for the answer's `missing` list.
    pub fn code(&self) -> &'static str {
        match self {
            ClosingMissing::Attestation => "attestation",
            ClosingMissing::Approval => "closing_approval",
            ClosingMissing::Subcontracts(_) => "subcontracts",
        }
    }

    pub fn message(&self) -> Msg {
        match self {
            ClosingMissing::Attestation => Msg::new(
                "委託先の終了時報告（情報の返還・廃棄・消去）が受理されていません（R-8.4.1、R-8.4.2、R-9.4.1、R-9.4.2）",
                "The vendor's end-of-term attestation (return, disposal or erasure) is not accepted (R-8.4.1, R-8.4.2, R-9.4.1, R-9.4.2)",
            ),
            ClosingMissing::Approval => Msg::new(
                "終了の承認がありません。終了時報告を確認した職員とは別の職員が承認します（R-2.6）",
                "The closing is not approved: a second person, not the one who confirmed the attestation, approves it (R-2.6)",
            ),
            ClosingMissing::Subcontracts(titles) => Msg::new(
                format!("再委託が終了していません（R-8.5）: {}", titles.join("、")),
                format!(
                    "Subcontracts are not closed or terminated (R-8.5): {}",
                    titles.join(", ")
                ),
            ),
        }
    }
}

/// What is missing before `closed`; empty when it may close.
pub fn closing_missing(f: &ClosingFacts) -> Vec<ClosingMissing> {
    let mut out = Vec::new();
    if f.attestation_owed && !f.attestation_accepted {
        out.push(ClosingMissing::Attestation);
    }
    if !f.closing_approved {
        out.push(ClosingMissing::Approval);
    }
    if !f.open_subcontracts.is_empty() {
        out.push(ClosingMissing::Subcontracts(f.open_subcontracts.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClassificationLevel::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const TERM: Term = Term {
        starts_on: match NaiveDate::from_ymd_opt(2026, 4, 1) {
            Some(d) => d,
            None => NaiveDate::MIN,
        },
        today: match NaiveDate::from_ymd_opt(2027, 4, 10) {
            Some(d) => d,
            None => NaiveDate::MIN,
        },
    };

    fn erased(technique: Technique, category: Category) -> ItemReport {
        ItemReport {
            level: Some(L3),
            disposition: Some(Disposition::Erased),
            category: Some(category),
            technique: Some(technique),
            tool: true,
            verification: Some(Verification::Full),
            result: Some(VerificationResult::Passed),
            evidence_files: 1,
            done_on: Some(d(2027, 4, 3)),
            done_by: true,
            ..Default::default()
        }
    }

    fn fields(problems: &[Problem]) -> Vec<(Field, &'static str)> {
        problems.iter().map(|p| (p.field, p.code)).collect()
    }

    #[test]
    fn r_8_4_attestation_is_owed_by_contracts_and_l2_l3_cloud_services() {
        use EngagementKind::*;
        assert_eq!(
            attestation_rules(Outsourcing, Some(L1), true, 0),
            Some(&["R-8.4.1", "R-8.4.2"][..])
        );
        assert_eq!(
            attestation_rules(CloudService, Some(L3), true, 2),
            Some(&["R-9.4.1", "R-9.4.2"][..])
        );
        assert_eq!(attestation_rules(CloudService, Some(L1), true, 2), None);
        assert_eq!(attestation_rules(CloudService, None, true, 0), None);
        assert_eq!(
            attestation_rules(DesignatedManagement, Some(L2), true, 1),
            Some(&[][..])
        );
        assert_eq!(attestation_rules(DesignatedManagement, None, true, 0), None);
        assert_eq!(attestation_rules(Outsourcing, Some(L3), false, 3), None);
    }

    #[test]
    fn an_item_without_a_disposition_blocks_the_submission() {
        let p = item_problems(&ItemReport::default(), TERM);
        assert_eq!(fields(&p), [(Field::Disposition, "required")]);
        assert!(p[0].message.get(crate::i18n::Lang::Ja).contains("R-8.4.2"));
    }

    #[test]
    fn r_3_5_5_and_r_6_9_1_formatting_alone_is_refused_with_its_reason() {
        let mut r = erased(Technique::FormatOnly, Category::Clear);
        r.tool = false;
        let p = item_problems(&r, TERM);
        assert_eq!(fields(&p), [(Field::Technique, "refused")]);
        let ja = p[0].message.get(crate::i18n::Lang::Ja);
        assert!(ja.contains("初期化") && ja.contains("R-3.5.5") && ja.contains("R-6.9.1"));
    }

    #[test]
    fn an_erasure_names_a_category_its_technique_achieves_a_tool_and_a_passed_check() {
        assert!(item_problems(&erased(Technique::Overwrite, Category::Clear), TERM).is_empty());
        assert!(item_problems(&erased(Technique::Shred, Category::Destroy), TERM).is_empty());
        let p = item_problems(&erased(Technique::Degauss, Category::Destroy), TERM);
        assert_eq!(fields(&p), [(Field::Category, "refused")]);
        let mut r = erased(Technique::CryptographicErase, Category::Purge);
        r.tool = false;
        r.verification = None;
        r.result = Some(VerificationResult::Failed);
        assert_eq!(
            fields(&item_problems(&r, TERM)),
            [
                (Field::Tool, "required"),
                (Field::Verification, "required"),
                (Field::Result, "refused")
            ]
        );
    }

    #[test]
    fn r_3_6_4_l2_l3_paper_is_incinerated_dissolved_or_shredded() {
        let paper = |level, technique| ItemReport {
            level: Some(level),
            disposition: Some(Disposition::PaperDisposed),
            technique: Some(technique),
            done_on: Some(d(2027, 4, 1)),
            done_by: true,
            ..Default::default()
        };
        for t in [Technique::Shred, Technique::Dissolve, Technique::Incinerate] {
            assert!(item_problems(&paper(L3, t), TERM).is_empty(), "{t}");
        }
        let p = item_problems(&paper(L2, Technique::Overwrite), TERM);
        assert_eq!(fields(&p), [(Field::Technique, "refused")]);
        assert!(p[0].message.get(crate::i18n::Lang::En).contains("R-3.6.4"));
        // L1 printouts are not bound to those three.
        assert!(item_problems(&paper(L1, Technique::Overwrite), TERM).is_empty());
    }

    #[test]
    fn an_l2_l3_cloud_deletion_needs_the_providers_evidence() {
        let mut r = ItemReport {
            level: Some(L3),
            disposition: Some(Disposition::CloudDeleted),
            technique: Some(Technique::ProviderDeletion),
            verification: Some(Verification::Full),
            result: Some(VerificationResult::Passed),
            done_on: Some(d(2027, 4, 2)),
            done_by: true,
            ..Default::default()
        };
        assert_eq!(
            fields(&item_problems(&r, TERM)),
            [(Field::Evidence, "refused")]
        );
        r.evidence_files = 1;
        assert!(item_problems(&r, TERM).is_empty());
        r.level = Some(L1);
        r.evidence_files = 0;
        assert!(item_problems(&r, TERM).is_empty());
    }

    #[test]
    fn a_return_names_its_receiver_and_every_report_a_real_date() {
        let mut r = ItemReport {
            level: Some(L2),
            disposition: Some(Disposition::Returned),
            done_on: Some(d(2027, 5, 1)),
            ..Default::default()
        };
        assert_eq!(
            fields(&item_problems(&r, TERM)),
            [(Field::Receiver, "required"), (Field::DoneOn, "refused")]
        );
        r.receiver = true;
        r.done_on = Some(d(2026, 3, 31));
        assert_eq!(
            fields(&item_problems(&r, TERM)),
            [(Field::DoneOn, "refused")]
        );
        r.done_on = Some(TERM.today);
        assert!(item_problems(&r, TERM).is_empty());
    }

    #[test]
    fn copies_not_erased_and_measures_not_kept_are_explained() {
        assert!(statement_problems(&Statements {
            copies_included: Some(true),
            measures_kept: Some(true),
            ..Default::default()
        })
        .is_empty());
        let p = statement_problems(&Statements {
            copies_included: Some(false),
            measures_kept: Some(false),
            ..Default::default()
        });
        assert_eq!(
            fields(&p),
            [
                (Field::Exceptions, "required"),
                (Field::MeasuresNote, "required")
            ]
        );
    }

    #[test]
    fn closing_needs_the_accepted_attestation_a_second_persons_approval_and_closed_subcontracts() {
        let all = ClosingFacts {
            attestation_owed: true,
            attestation_accepted: true,
            closing_approved: true,
            open_subcontracts: vec![],
        };
        assert!(closing_missing(&all).is_empty());
        let none = ClosingFacts {
            attestation_owed: true,
            open_subcontracts: vec!["清掃業務".into()],
            ..Default::default()
        };
        let missing = closing_missing(&none);
        let codes: Vec<&str> = missing.iter().map(ClosingMissing::code).collect();
        assert_eq!(codes, ["attestation", "closing_approval", "subcontracts"]);
        assert!(missing[1]
            .message()
            .get(crate::i18n::Lang::Ja)
            .contains("R-2.6"));
        assert!(missing[2]
            .message()
            .get(crate::i18n::Lang::Ja)
            .contains("清掃業務"));
        // Nothing owed: only the approval.
        assert_eq!(
            closing_missing(&ClosingFacts::default()),
            [ClosingMissing::Approval]
        );
    }

    #[test]
    fn only_an_active_engagement_past_its_end_date_ends_by_itself() {
        assert!(ends_by_itself(
            Status::Active,
            d(2027, 3, 31),
            d(2027, 4, 1)
        ));
        assert!(!ends_by_itself(
            Status::Active,
            d(2027, 3, 31),
            d(2027, 3, 31)
        ));
        assert!(!ends_by_itself(
            Status::Contracted,
            d(2027, 3, 31),
            d(2027, 4, 1)
        ));
    }
}
