//! Geography words: country names and ISO 3166 alpha-2 codes, US state names and codes. Used
//! by imports (normalising values) and, later, by the interpreter's lexicon.

/// `(code, names…)` of common countries.
pub const COUNTRIES: &[(&str, &[&str])] = &[
    (
        "US",
        &[
            "united states",
            "united states of america",
            "usa",
            "u.s.",
            "u.s.a.",
            "america",
        ],
    ),
    ("CA", &["canada"]),
    (
        "GB",
        &[
            "united kingdom",
            "uk",
            "u.k.",
            "great britain",
            "britain",
            "england",
            "scotland",
            "wales",
        ],
    ),
    ("DE", &["germany", "deutschland"]),
    ("FR", &["france"]),
    ("ES", &["spain", "españa"]),
    ("IT", &["italy", "italia"]),
    ("NL", &["netherlands", "the netherlands", "holland"]),
    ("AU", &["australia"]),
    ("BR", &["brazil", "brasil"]),
    ("MX", &["mexico", "méxico"]),
    ("IN", &["india"]),
    ("JP", &["japan"]),
    ("IE", &["ireland"]),
    ("SE", &["sweden"]),
    ("NO", &["norway"]),
    ("DK", &["denmark"]),
    ("BE", &["belgium"]),
    ("CH", &["switzerland"]),
    ("AT", &["austria"]),
    ("PT", &["portugal"]),
    ("PL", &["poland"]),
    ("NZ", &["new zealand"]),
    ("SG", &["singapore"]),
    ("ZA", &["south africa"]),
    ("CN", &["china"]),
    ("KR", &["south korea", "korea"]),
    ("FI", &["finland"]),
    ("AR", &["argentina"]),
    ("GE", &["georgia"]),
    ("GR", &["greece"]),
    ("TR", &["turkey", "türkiye"]),
    ("IL", &["israel"]),
    ("AE", &["united arab emirates", "uae"]),
    ("CZ", &["czechia", "czech republic"]),
    ("HU", &["hungary"]),
    ("RO", &["romania"]),
    ("UA", &["ukraine"]),
    ("CO", &["colombia"]),
    ("CL", &["chile"]),
    ("PE", &["peru"]),
    ("PH", &["philippines"]),
    ("ID", &["indonesia"]),
    ("MY", &["malaysia"]),
    ("TH", &["thailand"]),
    ("VN", &["vietnam", "viet nam"]),
    ("NG", &["nigeria"]),
    ("EG", &["egypt"]),
    ("KE", &["kenya"]),
    ("SA", &["saudi arabia"]),
    ("IS", &["iceland"]),
    ("HK", &["hong kong"]),
    ("TW", &["taiwan"]),
];

/// What people call a country's customers: `(code, adjectives…)`.
pub const DEMONYMS: &[(&str, &[&str])] = &[
    ("US", &["american"]),
    ("CA", &["canadian"]),
    ("GB", &["british", "english", "scottish", "welsh", "brit"]),
    ("DE", &["german"]),
    ("NZ", &["kiwi", "new zealander"]),
    ("FR", &["french"]),
    ("ES", &["spanish", "spaniard"]),
    ("IT", &["italian"]),
    ("NL", &["dutch"]),
    ("AU", &["australian", "aussie"]),
    ("BR", &["brazilian"]),
    ("MX", &["mexican"]),
    ("IN", &["indian"]),
    ("JP", &["japanese"]),
    ("IE", &["irish"]),
    ("SE", &["swedish"]),
    ("NO", &["norwegian"]),
    ("DK", &["danish"]),
    ("BE", &["belgian"]),
    ("CH", &["swiss"]),
    ("AT", &["austrian"]),
    ("PT", &["portuguese"]),
    ("PL", &["polish"]),
    ("NZ", &["new zealander", "kiwi"]),
    ("SG", &["singaporean"]),
    ("ZA", &["south african"]),
    ("CN", &["chinese"]),
    ("KR", &["korean", "south korean"]),
    ("FI", &["finnish"]),
    ("AR", &["argentinian", "argentine"]),
];

/// What people call a US state's residents, for the states where it is common.
pub const STATE_DEMONYMS: &[(&str, &[&str])] = &[
    ("CA", &["californian"]),
    ("TX", &["texan"]),
    ("FL", &["floridian"]),
    ("NY", &["new yorker"]),
    ("WA", &["washingtonian"]),
    ("IL", &["illinoisan"]),
    ("MA", &["bostonian"]),
];

/// US states and DC: `(code, name)`.
pub const US_STATES: &[(&str, &str)] = &[
    ("AL", "alabama"),
    ("AK", "alaska"),
    ("AZ", "arizona"),
    ("AR", "arkansas"),
    ("CA", "california"),
    ("CO", "colorado"),
    ("CT", "connecticut"),
    ("DE", "delaware"),
    ("DC", "district of columbia"),
    ("FL", "florida"),
    ("GA", "georgia"),
    ("HI", "hawaii"),
    ("ID", "idaho"),
    ("IL", "illinois"),
    ("IN", "indiana"),
    ("IA", "iowa"),
    ("KS", "kansas"),
    ("KY", "kentucky"),
    ("LA", "louisiana"),
    ("ME", "maine"),
    ("MD", "maryland"),
    ("MA", "massachusetts"),
    ("MI", "michigan"),
    ("MN", "minnesota"),
    ("MS", "mississippi"),
    ("MO", "missouri"),
    ("MT", "montana"),
    ("NE", "nebraska"),
    ("NV", "nevada"),
    ("NH", "new hampshire"),
    ("NJ", "new jersey"),
    ("NM", "new mexico"),
    ("NY", "new york"),
    ("NC", "north carolina"),
    ("ND", "north dakota"),
    ("OH", "ohio"),
    ("OK", "oklahoma"),
    ("OR", "oregon"),
    ("PA", "pennsylvania"),
    ("RI", "rhode island"),
    ("SC", "south carolina"),
    ("SD", "south dakota"),
    ("TN", "tennessee"),
    ("TX", "texas"),
    ("UT", "utah"),
    ("VT", "vermont"),
    ("VA", "virginia"),
    ("WA", "washington"),
    ("WV", "west virginia"),
    ("WI", "wisconsin"),
    ("WY", "wyoming"),
];

/// Provinces and states outside the US, by the codes their postal systems use.
pub const OTHER_REGIONS: &[(&str, &str)] = &[
    ("ON", "ontario"),
    ("QC", "quebec"),
    ("BC", "british columbia"),
    ("AB", "alberta"),
    ("MB", "manitoba"),
    ("SK", "saskatchewan"),
    ("NS", "nova scotia"),
    ("NB", "new brunswick"),
    ("NL", "newfoundland and labrador"),
    ("PE", "prince edward island"),
    ("NSW", "new south wales"),
    ("VIC", "victoria"),
    ("QLD", "queensland"),
    ("TAS", "tasmania"),
    ("ACT", "australian capital territory"),
];

/// The ISO code of a country name or code (case-insensitive).
pub fn country_code(s: &str) -> Option<&'static str> {
    let l = s.trim().to_lowercase();
    COUNTRIES
        .iter()
        .find(|(code, names)| code.eq_ignore_ascii_case(&l) || names.contains(&l.as_str()))
        .map(|(c, _)| *c)
}

/// The code of a US state name or code (case-insensitive).
pub fn us_state_code(s: &str) -> Option<&'static str> {
    let l = s.trim().to_lowercase();
    US_STATES
        .iter()
        .find(|(code, name)| code.eq_ignore_ascii_case(&l) || *name == l)
        .map(|(c, _)| *c)
}
