//! The known fields of each kind of file: their `--map` names and the header aliases that name
//! them (already normalised), which fields a kind of file may and must fill.

use super::{Kind, Target};
use Target as T;

/// `(target, field name for --map, aliases)`, aliases already normalised.
pub(super) const FIELDS: &[(Target, &str, &[&str])] = &[
    (
        T::ExternalId,
        "external_id",
        &[
            "externalid",
            "customerid",
            "id",
            "customer",
            "clientid",
            "userid",
            "customerno",
            "customernumber",
        ],
    ),
    (
        T::CustomerId,
        "customer_id",
        &[
            "customerid",
            "customer",
            "id",
            "clientid",
            "userid",
            "externalid",
            "customerno",
            "customernumber",
        ],
    ),
    (T::Email, "email", &["email", "emailaddress", "mail"]),
    (
        T::Phone,
        "phone",
        &["phone", "phonenumber", "mobile", "tel", "telephone", "cell"],
    ),
    (
        T::FirstName,
        "first_name",
        &["firstname", "givenname", "first"],
    ),
    (
        T::LastName,
        "last_name",
        &["lastname", "surname", "familyname", "last"],
    ),
    (T::Country, "country", &["country", "countrycode"]),
    (
        T::Region,
        "region",
        &["region", "state", "province", "statecode"],
    ),
    (T::City, "city", &["city", "town"]),
    (
        T::PostalCode,
        "postal_code",
        &["postalcode", "zip", "zipcode", "postcode"],
    ),
    (
        T::SignupDate,
        "signup_date",
        &[
            "signupdate",
            "signedup",
            "joined",
            "joindate",
            "registrationdate",
            "created",
            "signup",
        ],
    ),
    (
        T::EmailConsent,
        "email_consent",
        &[
            "emailconsent",
            "emailoptin",
            "acceptsemail",
            "subscribed",
            "emailsubscribed",
            "acceptsemailmarketing",
            "emailmarketing",
            "emailmarketingconsent",
            "acceptsmarketing",
        ],
    ),
    (
        T::SmsConsent,
        "sms_consent",
        &[
            "smsconsent",
            "smsoptin",
            "acceptssms",
            "acceptssmsmarketing",
            "smsmarketing",
            "smsmarketingconsent",
        ],
    ),
    (
        T::AdsConsent,
        "ads_consent",
        &["adsconsent", "adsoptin", "adconsent", "acceptsads"],
    ),
    (
        T::OrderId,
        "order_id",
        &[
            "orderid",
            "ordernumber",
            "orderno",
            "transactionid",
            "transactionref",
            "invoiceid",
            "invoicenumber",
            "invoiceno",
            "orderref",
            "receiptid",
            "receiptnumber",
            "txnid",
            "txnref",
            "txnno",
            "txnnum",
        ],
    ),
    (
        T::OccurredAt,
        "occurred_at",
        &[
            "occurredat",
            "date",
            "orderdate",
            "timestamp",
            "time",
            "createdat",
            "eventtime",
            "purchasedat",
            "datetime",
            "eventdate",
            "eventtimestamp",
            "invoicedate",
            "purchasedate",
            "transactiondate",
            "paymentdate",
            "occurred",
            "when",
            "txndate",
            "txntime",
            "txndatetime",
        ],
    ),
    (
        T::Amount,
        "amount",
        &[
            "amount",
            "revenue",
            "total",
            "dollarvalue",
            "price",
            "value",
            "ordertotal",
            "sales",
            "totalamount",
            "invoicetotal",
            "amountpaid",
            "grandtotal",
            "subtotal",
            "amt",
            "totalamt",
            "orderamt",
        ],
    ),
    (
        T::Quantity,
        "quantity",
        &["quantity", "qty", "items", "units"],
    ),
    (
        T::Name,
        "name",
        &["name", "event", "eventname", "type", "eventtype"],
    ),
    (
        T::EventId,
        "event_id",
        &["eventid", "eventkey", "messageid", "eventuuid"],
    ),
    (
        T::Properties,
        "properties",
        &["properties", "props", "data", "attributes"],
    ),
];

pub(super) fn targets_of(kind: Kind) -> &'static [Target] {
    match kind {
        Kind::Customers => &[
            T::ExternalId,
            T::Email,
            T::Phone,
            T::FirstName,
            T::LastName,
            T::Country,
            T::Region,
            T::City,
            T::PostalCode,
            T::SignupDate,
            T::EmailConsent,
            T::SmsConsent,
            T::AdsConsent,
        ],
        Kind::Orders => &[
            T::CustomerId,
            T::OrderId,
            T::OccurredAt,
            T::Amount,
            T::Quantity,
        ],
        Kind::Events => &[
            T::CustomerId,
            T::EventId,
            T::Name,
            T::OccurredAt,
            T::Properties,
        ],
    }
}

pub(super) fn required(kind: Kind) -> &'static [Target] {
    match kind {
        Kind::Customers => &[T::ExternalId],
        Kind::Orders => &[T::CustomerId, T::OccurredAt, T::Amount],
        Kind::Events => &[T::CustomerId, T::Name, T::OccurredAt],
    }
}

pub(super) fn field_name(t: Target) -> &'static str {
    FIELDS.iter().find(|f| f.0 == t).map(|f| f.1).unwrap_or("?")
}
