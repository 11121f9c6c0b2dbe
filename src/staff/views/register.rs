//! The register's forms and lists: vendors with their contacts, an engagement's form,
//! its information items.

use serde::Serialize;

use super::{FormError, OptionView, PagerView};

/// A text field of a form: what was typed, and its error.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FieldView {
    pub value: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VendorRowView {
    pub href: String,
    pub name: String,
    pub corporate_number: String,
    pub address: String,
    pub contacts: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VendorsView {
    pub q: String,
    pub rows: Vec<VendorRowView>,
    pub pager: PagerView,
    pub can_register: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactFields {
    /// The row's number from 1, as people count.
    pub number: usize,
    /// The fields' ids and names (`contacts_0_name`): the API's `contacts[0].name`.
    pub name_id: String,
    pub email_id: String,
    pub phone_id: String,
    pub name: FieldView,
    pub email: FieldView,
    pub phone: FieldView,
}

/// The vendor form, new or changed.
#[derive(Debug, Clone, Serialize)]
pub struct VendorFormView {
    pub action: String,
    pub legal_name: FieldView,
    pub corporate_number: FieldView,
    pub address: FieldView,
    pub contacts: Vec<ContactFields>,
    pub contacts_error: Option<String>,
    pub errors: Vec<FormError>,
    pub submit: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VendorView {
    pub name: String,
    pub corporate_number: String,
    pub address: String,
    pub contacts: Vec<ContactRow>,
    pub engagements_href: String,
    /// The form to change it, for those who may.
    pub form: Option<VendorFormView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactRow {
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// The engagement form, new or changed.
#[derive(Debug, Clone, Serialize)]
pub struct EngagementFormView {
    pub action: String,
    /// Kind and division are fixed once registered.
    pub new: bool,
    pub kinds: Vec<OptionView>,
    pub kind_error: Option<String>,
    pub title: FieldView,
    pub divisions: Vec<OptionView>,
    pub division_error: Option<String>,
    pub responsibles: Vec<OptionView>,
    pub responsible_error: Option<String>,
    pub vendors: Vec<OptionView>,
    pub vendor_error: Option<String>,
    /// the designated management an outsourcing is a subcontract of (only when new).
    pub parents: Vec<OptionView>,
    pub parent_error: Option<String>,
    pub scope: FieldView,
    pub starts_on: FieldView,
    pub ends_on: FieldView,
    pub cloud_service_name: FieldView,
    pub cloud_data_location: FieldView,
    pub ismaps: Vec<OptionView>,
    pub ismap_error: Option<String>,
    pub errors: Vec<FormError>,
    pub cancel: String,
    pub submit: String,
}

/// The form that adds an information item to an engagement.
#[derive(Debug, Clone, Serialize)]
pub struct ItemFormView {
    pub action: String,
    pub name: FieldView,
    pub description: FieldView,
    pub levels: Vec<OptionView>,
    pub level_error: Option<String>,
    pub provided: bool,
    pub errors: Vec<FormError>,
}
