//! The completion record (終了確認書) issued when an engagement closes (R-8.4.1, R-8.4.2,
//! what the vendor attested for every information item, who
//! confirmed it and who approved the closing, written from `{lang}/completion_record.hbs`
//! in the same restricted Markdown as the clause sets, so that its printable HTML and its
//! Word file cannot differ. Every value is already in the record's language: the template
//! only lays them out.

use serde::Serialize;

/// One information item as the record states it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordItem {
    pub number: usize,
    pub name: String,
    pub level: String,
    pub personal: String,
    pub records: String,
    pub disposition: String,
    pub receiver: String,
    pub media: String,
    pub method: String,
    pub tool: String,
    pub verification: String,
    /// Each evidence file: its name and the start of its SHA-256.
    pub evidence: Vec<String>,
    pub done_on: String,
    pub place: String,
    pub done_by: String,
    pub witness: String,
}

/// Everything the record states, in its language.
#[derive(Debug, Clone, Serialize)]
pub struct CompletionFacts {
    pub organization: String,
    pub engagement_title: String,
    pub kind: String,
    pub division: String,
    pub vendor: String,
    pub corporate_number: String,
    pub starts_on: String,
    pub ends_on: String,
    /// It ended early, with this reason.
    pub terminated_reason: Option<String>,
    /// The rules the record attests (R-8.4.1, R-8.4.2 or; none for a
    /// designated management).
    pub rules: String,
    /// Whether the vendor attested (false: nothing was owed).
    pub attested: bool,
    pub items: Vec<RecordItem>,
    pub copies: String,
    pub exceptions: String,
    pub destination: String,
    pub measures: String,
    pub measures_note: String,
    pub signed_name: String,
    pub signed_title: String,
    pub submitted_on: String,
    pub confirmer: String,
    pub confirmed_on: String,
    /// Who approved the closing, or for an early end who ended it, and when.
    pub approver: String,
    pub approved_on: String,
    pub issued_on: String,
}

impl CompletionFacts {
    /// Facts that take every branch of the template, for the start-up check.
    pub fn probe(attested: bool) -> CompletionFacts {
        let text = |s: &str| s.to_string();
        CompletionFacts {
            organization: text("港区"),
            engagement_title: text("件名"),
            kind: text("業務委託"),
            division: text("課"),
            vendor: text("事業者"),
            corporate_number: text("8000020131032"),
            starts_on: text("令和9年4月1日"),
            ends_on: text("令和10年3月31日"),
            terminated_reason: attested.then(|| text("理由")),
            rules: text("R-8.4.1、R-8.4.2"),
            attested,
            items: if attested {
                vec![RecordItem {
                    number: 1,
                    name: text("情報"),
                    level: text("L3"),
                    personal: text("個人情報を含む"),
                    records: text("1,200"),
                    disposition: text("電子データを消去した"),
                    receiver: text("区民課 鈴木"),
                    media: text("SSD"),
                    method: text("Purge／暗号化消去"),
                    tool: text("ツール 1.0"),
                    verification: text("全数"),
                    evidence: vec![text("log.pdf（SHA-256 0123456789ab）")],
                    done_on: text("令和10年4月3日"),
                    place: text("本社"),
                    done_by: text("佐藤"),
                    witness: text("鈴木"),
                }]
            } else {
                vec![]
            },
            copies: text("はい"),
            exceptions: text("なし"),
            destination: text("再利用"),
            measures: text("はい"),
            measures_note: text("なし"),
            signed_name: text("山田"),
            signed_title: text("部長"),
            submitted_on: text("令和10年4月5日"),
            confirmer: text("赤坂"),
            confirmed_on: text("令和10年4月8日"),
            approver: text("青山"),
            approved_on: text("令和10年4月9日"),
            issued_on: text("令和10年4月10日"),
        }
    }
}
