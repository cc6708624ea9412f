//! Responses from the remote services flexcord calls: the cases server (`CaseBody`, `CaseList`,
//! error bodies) and the seachat virtual agent (`TurnResponse`). A misbehaving or hostile server
//! must give an error, never a panic; a decoded case converts to a core case or is refused.
#![no_main]

use flexcord_core::case::Case;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = serde_json::from_slice::<cases::wire::CaseBody>(data) {
        let number = body.number;
        if let Ok(case) = Case::try_from(body) {
            assert_eq!(case.id.0, number);
        }
    }
    if let Ok(list) = serde_json::from_slice::<cases::wire::CaseList>(data) {
        for body in list.cases {
            let _ = Case::try_from(body);
        }
    }
    let _ = serde_json::from_slice::<cases::wire::ErrorBody>(data);
    if let Ok(response) = serde_json::from_slice::<seachat::wire::TurnResponse>(data) {
        let handoff = response.handoff;
        let answer = seachat::adapter::to_answer(response);
        assert_eq!(answer.hand_off, handoff);
    }
});
