use time::macros::{date, datetime};

use crate::request::*;
use crate::result::{self, Echo, Encoding, PersonResult, Qualification, ResultHeader, Segment};

const SINGLE_SJIS_TEMPLATE: &str = "<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>\n<XmlMsg><MessageHeader><QualificationConfirmationDate>20250401</QualificationConfirmationDate>\n<MedicalInstitutionCode>1311234566</MedicalInstitutionCode><ArbitraryFileIdentifier>AFI202504010001</ArbitraryFileIdentifier></MessageHeader>\n<MessageBody><QualificationConfirmSearchInfo><InsurerNumber>  138057</InsurerNumber><InsuredCardSymbol>国１</InsuredCardSymbol>\n<InsuredIdentificationNumber>5</InsuredIdentificationNumber><InsuredBranchNumber>00</InsuredBranchNumber><Birthdate>19700120</Birthdate>\n<LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg></QualificationConfirmSearchInfo></MessageBody></XmlMsg>";

fn sjis(text: &str) -> Vec<u8> {
    encoding_rs::SHIFT_JIS.encode(text).0.into_owned()
}

#[test]
fn file_names_map_req_to_res() {
    let n = RequestName::parse("OQSsiquc01req_202504010001.xml").expect("ours");
    assert_eq!((n.kind, n.id.as_str()), (Kind::Single, "202504010001"));
    assert_eq!(n.result_file(), "OQSsiquc01res_202504010001.xml");
    assert_eq!(
        RequestName::parse("OQSmuquc02req_X.xml").map(|n| n.result_file()),
        Some("OQSmuquc02res_X.xml".into())
    );
    for not_ours in [
        ".OQSsiquc01req_1.xml",
        "OQSsiquc01req_1.xml.part",
        "OQSsiquc01res_1.xml",
        "oqsmuonq01req_1.xml",
        "OQSsiquc01req_.xml",
        "OQSsiquc01req_a b.xml",
    ] {
        assert_eq!(RequestName::parse(not_ours), None, "{not_ours}");
    }
    // Requests shikaku does not serve are still recognised, so they get an error result.
    for (name, result) in [
        ("OQSmuonq01req_1.xml", "OQSmuonq01res_1.xml"),
        (
            "OQSmuhvq02req_202612030001.xml",
            "OQSmuhvq02res_202612030001.xml",
        ),
        ("OQSsiimm01req_X.xml", "OQSsiimm01res_X.xml"),
    ] {
        let n = RequestName::parse(name).expect("recognised");
        assert_eq!(
            (n.kind, n.result_file().as_str()),
            (Kind::Unsupported, result)
        );
    }
    assert!(unsupported_reason("OQSmuhvq01").contains("訪問診療"));
    // OQSDrug2's D names: FileCategory, yyMMdd, HHmm and the patient number as the id.
    let n = RequestName::parse("YZKsiquc01req_022512031430123456.xml").expect("ours");
    assert_eq!(n.kind, Kind::Drugs);
}

#[test]
fn utf16_with_a_byte_order_mark_is_read_and_without_one_is_named() {
    let xml = SINGLE_SJIS_TEMPLATE.replace("Shift_JIS", "UTF-16");
    let mut le = vec![0xFF, 0xFE];
    le.extend(xml.encode_utf16().flat_map(u16::to_le_bytes));
    assert!(matches!(
        parse_request(Kind::Single, &le),
        Ok(Request::Single { .. })
    ));
    let mut be = vec![0xFE, 0xFF];
    be.extend(xml.encode_utf16().flat_map(u16::to_be_bytes));
    assert!(parse_request(Kind::Single, &be).is_ok());
    let bare: Vec<u8> = xml.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let e = parse_request(Kind::Single, &bare).expect_err("no BOM");
    assert!(e.to_string().contains("UTF-16"), "{e}");
    assert!(!e.to_string().contains("declared encoding UTF-8"), "{e}");
}

#[test]
fn a_file_of_millions_of_elements_and_its_problems_stay_bounded() {
    // Unknown elements: at most MAX_PROBLEMS are listed, then a count.
    let body = "<X/>".repeat(5_000);
    let xml = format!(
        "<XmlMsg><MessageHeader><QualificationConfirmationDate>20250401</QualificationConfirmationDate><MedicalInstitutionCode>1311234566</MedicalInstitutionCode></MessageHeader><MessageBody>{body}</MessageBody></XmlMsg>"
    );
    let Err(RequestError::Invalid(problems)) = parse_request(Kind::BulkUpload, xml.as_bytes())
    else {
        panic!("refused");
    };
    assert_eq!(problems.len(), MAX_PROBLEMS + 1);
    assert!(
        problems[MAX_PROBLEMS].message.contains("4901"),
        "{:?}",
        problems.last()
    );
    // More elements than any real request: refused before the tree is built.
    let many = format!(
        "<XmlMsg>{}</XmlMsg>",
        "<a/>".repeat(crate::dom::MAX_ELEMENTS + 1)
    );
    let e = parse_request(Kind::BulkUpload, many.as_bytes()).expect_err("too many");
    assert_eq!(e.code(), "OQR9003");
}

#[test]
fn a_shift_jis_single_request_parses() {
    let request = parse_request(Kind::Single, &sjis(SINGLE_SJIS_TEMPLATE)).expect("valid");
    let Request::Single { header, search } = request else {
        panic!("single");
    };
    assert_eq!(header.confirmation_date, date!(2025 - 04 - 01));
    assert_eq!(header.facility_code, "1311234566");
    assert_eq!(
        header.arbitrary_file_identifier.as_deref(),
        Some("AFI202504010001")
    );
    let search = search.expect("valid person");
    assert_eq!(search.insurer_number, "  138057");
    assert_eq!(search.symbol, "国１");
    assert_eq!(search.birthdate, date!(1970 - 01 - 20));
}

#[test]
fn every_problem_is_named_by_its_path() {
    let bad_header = SINGLE_SJIS_TEMPLATE
        .replace("20250401", "2025-04-01")
        .replace("1311234566", "1311234567")
        .replace(
            "<ArbitraryFileIdentifier>",
            "<Surprise>x</Surprise><ArbitraryFileIdentifier>",
        );
    let Err(RequestError::Invalid(problems)) = parse_request(Kind::Single, &sjis(&bad_header))
    else {
        panic!("refused");
    };
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/XmlMsg/MessageHeader/Surprise",
            "/XmlMsg/MessageHeader/QualificationConfirmationDate",
            "/XmlMsg/MessageHeader/MedicalInstitutionCode",
        ]
    );
    // A person's field problem is a person-level error with OQR2001/OQR2002.
    let missing = SINGLE_SJIS_TEMPLATE.replace("<Birthdate>19700120</Birthdate>", "");
    let Ok(Request::Single {
        search: Err((raw, problem)),
        ..
    }) = parse_request(Kind::Single, &sjis(&missing))
    else {
        panic!("person-level error");
    };
    assert_eq!(problem.code, "OQR2001");
    assert_eq!(
        problem.path,
        "/XmlMsg/MessageBody/QualificationConfirmSearchInfo/Birthdate"
    );
    assert!(
        raw.fields
            .iter()
            .any(|(n, v)| n == "InsuredIdentificationNumber" && v == "5")
    );
    let malformed = SINGLE_SJIS_TEMPLATE.replace(">00<", ">0x<");
    let Ok(Request::Single {
        search: Err((_, problem)),
        ..
    }) = parse_request(Kind::Single, &sjis(&malformed))
    else {
        panic!("person-level error");
    };
    assert_eq!(
        (problem.code, problem.path.as_str()),
        (
            "OQR2002",
            "/XmlMsg/MessageBody/QualificationConfirmSearchInfo/InsuredBranchNumber"
        )
    );
}

#[test]
fn file_level_errors() {
    for (bytes, code) in [
        (b"<XmlMsg><MessageHeader>".to_vec(), "OQR9001"),
        (b"not xml at all".to_vec(), "OQR9001"),
        (
            b"<?xml version=\"1.0\" encoding=\"EUC-JP\"?><XmlMsg/>".to_vec(),
            "OQR9001",
        ),
        (b"<Other/>".to_vec(), "OQR9001"),
        (b"<XmlMsg a=\"1\"/>".to_vec(), "OQR9001"),
        (vec![b' '; crate::dom::MAX_FILE_BYTES + 1], "OQR9003"),
    ] {
        let e = parse_request(Kind::Single, &bytes).expect_err("refused");
        assert_eq!(e.code(), code, "{e}");
        assert!(!e.to_string().is_empty());
    }
    // Invalid UTF-8 in a file declared (by default) as UTF-8.
    let e = parse_request(Kind::Single, b"<XmlMsg>\xff</XmlMsg>").expect_err("bad bytes");
    assert!(e.to_string().contains("UTF-8"), "{e}");
}

#[test]
fn bulk_uploads_keep_order_and_per_person_errors() {
    let person = |n: &str, birth: &str| {
        format!(
            "<QualificationConfirmSearchInfo><InsurerNumber>01130012</InsurerNumber><InsuredIdentificationNumber>{n}</InsuredIdentificationNumber><InsuredBranchNumber>00</InsuredBranchNumber><Birthdate>{birth}</Birthdate><LimitApplicationCertificateRelatedConsFlg>0</LimitApplicationCertificateRelatedConsFlg><ArbitraryIdentifier>PT{n}</ArbitraryIdentifier></QualificationConfirmSearchInfo>"
        )
    };
    let xml = format!(
        "<XmlMsg><MessageHeader><QualificationConfirmationDate>20250402</QualificationConfirmationDate><MedicalInstitutionCode>1311234566</MedicalInstitutionCode></MessageHeader><MessageBody>{}{}{}</MessageBody></XmlMsg>",
        person("1", "19800101"),
        person("2", "1980-01-01"),
        person("3", "19800303")
    );
    let Ok(Request::BulkUpload { searches, .. }) = parse_request(Kind::BulkUpload, xml.as_bytes())
    else {
        panic!("bulk");
    };
    assert_eq!(searches.len(), 3);
    assert!(searches[0].is_ok() && searches[2].is_ok());
    let (_, problem) = searches[1].as_ref().expect_err("bad birth date");
    assert_eq!(
        problem.path,
        "/XmlMsg/MessageBody/QualificationConfirmSearchInfo[2]/Birthdate"
    );
    let too_many = format!(
        "<XmlMsg><MessageHeader><QualificationConfirmationDate>20250402</QualificationConfirmationDate><MedicalInstitutionCode>1311234566</MedicalInstitutionCode></MessageHeader><MessageBody>{}</MessageBody></XmlMsg>",
        person("1", "19800101").repeat(MAX_BULK + 1)
    );
    assert_eq!(
        parse_request(Kind::BulkUpload, too_many.as_bytes())
            .expect_err("limit")
            .code(),
        "OQR9003"
    );
}

fn header(segment: Segment, encoding: Encoding) -> ResultHeader {
    ResultHeader {
        executed_at: datetime!(2025-04-01 00:30:15 UTC),
        confirmation_date: Some(date!(2025 - 04 - 01)),
        facility_code: Some("1311234566".into()),
        arbitrary_file_identifier: Some("AFI202504010001".into()),
        reference_classification: Some("2"),
        reception_number: None,
        segment,
        error: None,
        counts: None,
        encoding,
    }
}

fn valid_person() -> PersonResult {
    let Ok(Request::Single {
        search: Ok(search), ..
    }) = parse_request(Kind::Single, &sjis(SINGLE_SJIS_TEMPLATE))
    else {
        panic!("valid");
    };
    PersonResult {
        echo: Echo::Parsed(search),
        status: "1",
        code: None,
        validity: Some(1),
        qualification: Some(Qualification {
            insurer_number: "138057".into(),
            symbol: "国1".into(),
            number: "5".into(),
            branch: "00".into(),
            personal_family: "1".into(),
            name: "佐藤 一郎".into(),
            name_kana: "サトウ イチロウ".into(),
            sex: "1".into(),
            birthdate: Some(date!(1970 - 01 - 20)),
            qualification_date: Some(date!(2025 - 04 - 01)),
            disqualification_date: None,
            loss_reason: None,
            contribution_ratio: "030".into(),
            insurer_name: "国民健康保険（東京都）".into(),
            elderly: None,
            limit_flag: Some("A03".into()),
            limit_consent: Some(time::macros::datetime!(2025-04-01 00:30 UTC)),
            specific_disease: Some("1".into()),
            checkups_consent: None,
            drugs_consent: None,
        }),
    }
}

/// Golden files: `tests/golden/*.xml`; set `SHIKAKU_BLESS=1` to rewrite them after a deliberate change.
fn golden(name: &str, bytes: &[u8]) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("SHIKAKU_BLESS").is_some() {
        std::fs::write(&path, bytes).expect("bless");
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with SHIKAKU_BLESS=1)", path.display()));
    assert!(
        expected == bytes,
        "{name} differs from its golden file:\n{}",
        String::from_utf8_lossy(bytes)
    );
}

#[test]
fn results_match_their_golden_files() {
    golden(
        "single_valid_utf8.xml",
        &result::single(&header(Segment::Normal, Encoding::Utf8), &valid_person()),
    );
    golden(
        "single_valid_sjis.xml",
        &result::single(
            &header(Segment::Normal, Encoding::ShiftJis),
            &valid_person(),
        ),
    );
    let mut not_found = valid_person();
    not_found.status = "2";
    not_found.validity = Some(4);
    not_found.qualification = None;
    not_found.code = Some(("OQR1001".into(), "該当する資格情報が存在しません".into()));
    golden(
        "single_no_match.xml",
        &result::single(&header(Segment::Normal, Encoding::Utf8), &not_found),
    );
    let mut error = header(Segment::Error, Encoding::Utf8);
    error.confirmation_date = None;
    error.reference_classification = None;
    error.error = Some(("OQR9001".into(), "XMLの解析に失敗しました".into()));
    golden("file_error.xml", &result::file_error(&error));
    let mut receipt = header(Segment::Normal, Encoding::Utf8);
    receipt.reference_classification = None;
    golden(
        "bulk_receipt.xml",
        &result::bulk_receipt(&receipt, "RC2025040100012", datetime!(2025-04-01 09:00 UTC)),
    );
    let mut bulk = header(Segment::Normal, Encoding::Utf8);
    bulk.reception_number = Some("RC2025040100012".into());
    bulk.counts = Some((2, 1, 1));
    golden(
        "bulk_result.xml",
        &result::bulk_result(&bulk, &[valid_person(), not_found.clone()]),
    );
    let mut processing = header(Segment::Processing, Encoding::Utf8);
    processing.reception_number = Some("RC2025040100012".into());
    golden(
        "bulk_processing.xml",
        &result::bulk_result(&processing, &[]),
    );
    // Every file-level error code we emit.
    for (code, message) in [
        ("OQR9001", "XMLの解析に失敗しました"),
        (
            "OQR9003",
            "件数上限 (10000件) またはファイルサイズ上限 (20MiB) を超えています",
        ),
        ("OQR9004", "受付番号が存在しません"),
        (
            "OQR9999",
            "システムエラーが発生しました。時間をおいて再照会してください",
        ),
    ] {
        let mut h = header(Segment::Error, Encoding::Utf8);
        h.confirmation_date = None;
        h.reference_classification = None;
        h.error = Some((code.into(), message.into()));
        golden(&format!("file_error_{code}.xml"), &result::file_error(&h));
    }
    // Person-level errors: a missing field, multiple matches.
    let mut missing = not_found.clone();
    missing.validity = None;
    missing.code = Some((
        "OQR2001".into(),
        "/XmlMsg/MessageBody/QualificationConfirmSearchInfo/Birthdate: 必須項目 Birthdate が未設定です".into(),
    ));
    golden(
        "single_missing_field.xml",
        &result::single(&header(Segment::Normal, Encoding::Utf8), &missing),
    );
    let mut multiple = not_found.clone();
    multiple.validity = Some(5);
    multiple.code = Some(("OQR1003".into(), "複数の資格情報が該当しました".into()));
    golden(
        "single_multiple.xml",
        &result::single(&header(Segment::Normal, Encoding::Utf8), &multiple),
    );
    // B: a pushed card-reader result; D: drugs, checkups and a refusal.
    let mut face = header(Segment::Normal, Encoding::Utf8);
    face.reference_classification = Some("1");
    golden("face_valid.xml", &result::face(&face, &valid_person()));
    let qua = result::QuaInf {
        name: "佐藤 一郎".into(),
        kana: "サトウ イチロウ".into(),
        birth: Some(date!(1970 - 01 - 20)),
        sex: "1".into(),
    };
    let drugs = result::MedicalBody::Drugs(vec![result::DrugMonth {
        source: "調剤".into(),
        facility_code: "1341234566".into(),
        facility_name: "しかく薬局".into(),
        month: "202411".into(),
        days: vec![result::DrugDay {
            date: date!(2024 - 11 - 02),
            lines: vec![result::DrugLine {
                code: "610443047".into(),
                name: "ムコダイン錠２５０ｍｇ".into(),
                quantity: "1.500".into(),
                unit: "錠".into(),
                days: Some(5),
            }],
        }],
    }]);
    golden(
        "drugs_ok.xml",
        &result::medical_ok(Encoding::Utf8, &qua, &drugs),
    );
    let checkups = result::MedicalBody::Checkups(vec![result::Checkup {
        date: date!(2025 - 05 - 10),
        insurer_number: "138057".into(),
        items: vec![result::CheckupItem {
            code: "3D045000001927101".into(),
            name: "HbA1c（NGSP値）".into(),
            data_type: "PQ",
            value: "5.9".into(),
            unit: "%".into(),
            value_name: String::new(),
        }],
    }]);
    golden(
        "checkups_ok.xml",
        &result::medical_ok(Encoding::Utf8, &qua, &checkups),
    );
    golden(
        "medical_no_consent.xml",
        &result::medical_error(
            Encoding::ShiftJis,
            "2",
            "この医療機関・薬局での閲覧の同意がありません",
        ),
    );
}

#[test]
fn results_round_trip_through_the_reader() {
    for encoding in [Encoding::Utf8, Encoding::ShiftJis] {
        let bytes = result::single(&header(Segment::Normal, encoding), &valid_person());
        let root = crate::dom::parse(&bytes).expect("well-formed");
        let body = root.child("MessageBody").expect("body");
        let q = body
            .child("ResultList")
            .and_then(|l| l.child("ResultOfQualificationConfirmation"))
            .expect("result");
        assert_eq!(
            q.child("InsurerNumber").map(|e| e.text.as_str()),
            Some("  138057")
        );
        assert_eq!(
            q.child("NameKana").map(|e| e.text.as_str()),
            Some("ｻﾄｳ ｲﾁﾛｳ")
        );
        assert_eq!(
            q.child("Name").map(|e| e.text.as_str()),
            Some("佐藤\u{3000}一郎")
        );
        assert_eq!(
            body.child("QualificationValidity").map(|e| e.text.as_str()),
            Some("1")
        );
        // The echoed search info parses back to the same request.
        let echoed = body.child("QualificationConfirmSearchInfo").expect("echo");
        assert_eq!(
            echoed.child("Birthdate").map(|e| e.text.as_str()),
            Some("19700120")
        );
    }
    assert_eq!(result::to_halfwidth_kana("ガッコウ パン ヴ"), "ｶﾞｯｺｳ ﾊﾟﾝ ｳﾞ");
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
        for kind in [Kind::Single, Kind::BulkUpload, Kind::BulkDownload] {
            let _ = parse_request(kind, &bytes);
        }
        let _ = salvage_header(&bytes);
    }

    #[test]
    fn mutated_requests_never_panic(cut in 0usize..700, byte in proptest::num::u8::ANY) {
        let mut bytes = sjis(SINGLE_SJIS_TEMPLATE);
        let at = cut.min(bytes.len().saturating_sub(1));
        bytes[at] = byte;
        let _ = parse_request(Kind::Single, &bytes);
        bytes.truncate(at);
        let _ = parse_request(Kind::Single, &bytes);
    }
}
