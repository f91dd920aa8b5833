//! Lessons in the app: the reducer pauses exactly at the question and at its
//! check, keeps the learner's choice, and reveals the verdict; the mounted
//! app shows it all in the lesson panel.

use std::rc::Rc;
use std::time::Duration;

use kafka_playground::ui::state::{Action, AppState, QuestionPhase};
use kafka_playground::ui::{session, Boot};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use yew::Reducible;

fn load(id: &str) -> Rc<AppState> {
    crate::panels::lesson(id)
}

/// Ticks of 100 ms at 100× (10 s of simulated time each) until paused.
fn play_until_paused(mut state: Rc<AppState>) -> Rc<AppState> {
    state = state.reduce(Action::SetSpeed(100.0)).reduce(Action::Play);
    for _ in 0..1_000 {
        state = state.reduce(Action::Tick { dt_ms: 100.0 });
        if !state.playing {
            return state;
        }
    }
    panic!("never paused (now {})", state.now);
}

#[wasm_bindgen_test]
fn every_built_in_scenario_with_a_file_has_a_lesson_and_the_sandbox_has_none() {
    for b in kafka_playground::ui::scenarios::BUILT_IN.iter().filter(|b| b.build.is_some()) {
        let state = AppState::load(b.id, None).unwrap();
        assert_eq!(state.lesson.is_some(), b.id != "new-cluster", "{}", b.id);
    }
}

#[wasm_bindgen_test]
fn the_run_pauses_exactly_at_the_question_then_at_the_check() {
    let state = load("min-isr-not-enough-replicas");
    let question = state.lesson.as_ref().unwrap().question.clone().unwrap();
    let state = play_until_paused(state);
    assert_eq!(state.now, question.at, "a 10 s frame stops exactly where the question is asked");
    assert_eq!(state.lesson_progress.phase, QuestionPhase::Asked);
    let steps_before: Vec<_> = state.lesson.as_ref().unwrap().steps.iter().filter(|s| s.at <= question.at).collect();
    assert_eq!(state.lesson_progress.reached as usize, steps_before.len(), "the steps whose time has come");

    // Paused ticks keep it there; picking a choice changes nothing else.
    let state = state.reduce(Action::Tick { dt_ms: 100.0 }).reduce(Action::Answer(question.answer));
    assert_eq!((state.now, state.lesson_progress.chosen), (question.at, Some(question.answer)));
    assert_eq!(state.lesson_progress.verdict(state.lesson.as_ref().unwrap()), None, "not revealed before check_at");

    let state = play_until_paused(state);
    assert_eq!(state.now, question.check_at, "the second pause is exactly at check_at");
    assert_eq!(state.lesson_progress.phase, QuestionPhase::Checked);
    assert_eq!(state.lesson_progress.verdict(state.lesson.as_ref().unwrap()), Some(true));

    // The answer is locked once revealed, and the run goes on to the end without pausing again.
    let state = state.reduce(Action::Answer(0));
    assert_eq!(state.lesson_progress.chosen, Some(question.answer));
    let mut state = state.reduce(Action::Play);
    for _ in 0..10 {
        state = state.reduce(Action::Tick { dt_ms: 100.0 });
    }
    assert!(state.playing && state.now > question.check_at + 50_000, "no more pauses: now {}", state.now);
}

#[wasm_bindgen_test]
fn a_wrong_answer_is_revealed_as_wrong_and_out_of_range_or_early_answers_are_ignored() {
    let state = load("acks1-leader-crash");
    let question = state.lesson.as_ref().unwrap().question.clone().unwrap();
    let early = state.reduce(Action::Answer(0));
    assert_eq!(early.lesson_progress.chosen, None, "nothing to answer before the question is asked");
    let state = play_until_paused(early);
    let state = state.reduce(Action::Answer(99));
    assert_eq!(state.lesson_progress.chosen, None, "no such choice");
    let wrong = (question.answer + 1) % question.choices.len() as u32;
    let state = play_until_paused(state.reduce(Action::Answer(wrong)));
    assert_eq!(state.lesson_progress.verdict(state.lesson.as_ref().unwrap()), Some(false));
}

#[wasm_bindgen_test]
fn stepping_stops_at_the_question_too() {
    let mut state = load("quickstart");
    let at = state.lesson.as_ref().unwrap().question.as_ref().unwrap().at;
    state = state.reduce(Action::Pause);
    for _ in 0..100_000 {
        if state.now >= at {
            break;
        }
        state = state.reduce(Action::Step);
    }
    assert_eq!(state.now, at);
    assert_eq!(state.lesson_progress.phase, QuestionPhase::Asked);
}

#[wasm_bindgen_test]
fn reloading_or_another_seed_resets_the_lesson() {
    let state = play_until_paused(load("compaction"));
    let answer = state.lesson.as_ref().unwrap().question.as_ref().unwrap().answer;
    let state = state.reduce(Action::Answer(answer));
    assert_eq!(state.lesson_progress.phase, QuestionPhase::Asked);
    let reseeded = state.clone().reduce(Action::SetSeed(99));
    assert_eq!((reseeded.now, reseeded.lesson_progress.chosen), (0, None));
    assert_eq!(reseeded.lesson_progress.phase, QuestionPhase::Ahead);
    let json = crate::panels::lesson_file("compaction").to_string();
    let reloaded = state.reduce(Action::LoadScenarioText { id: "compaction".into(), json, seed: None });
    assert_eq!((reloaded.now, reloaded.lesson_progress.chosen), (0, None));
}

fn find(root: &web_sys::Element, selector: &str) -> Option<web_sys::Element> {
    root.query_selector(selector).expect("valid selector")
}

async fn wait_for(root: &web_sys::Element, selector: &str, ok: impl Fn(&web_sys::Element) -> bool) -> web_sys::Element {
    for _ in 0..200 {
        if let Some(e) = find(root, selector).filter(|e| ok(e)) {
            return e;
        }
        yew::platform::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{selector} never appeared as expected");
}

fn click(element: &web_sys::Element) {
    element.clone().dyn_into::<web_sys::HtmlElement>().unwrap().click();
}

/// The app opened on the quickstart lesson at 100× (as a share link carries
/// it: the test page cannot serve `scenarios/quickstart.json` to fetch).
async fn mount_quickstart() -> web_sys::Element {
    let scenario = kafka_playground::ui::scenarios::parse(crate::panels::lesson_file("quickstart")).unwrap();
    let boot = Boot { shared: Some(session::encode(&scenario)), speed: Some(100.0), ..Boot::default() };
    crate::panels::mount_app(boot).await
}

#[wasm_bindgen_test]
async fn the_lesson_panel_asks_pauses_takes_an_answer_and_checks_it() {
    let root = mount_quickstart().await;
    let panel = wait_for(&root, "[data-testid=lesson]", |_| true).await;
    assert!(panel.text_content().unwrap_or_default().contains("Lesson"));
    let question = wait_for(&root, "[data-testid=lesson-question]", |_| true).await;
    assert_eq!(question.get_attribute("role").as_deref(), Some("radiogroup"));
    assert!(find(&root, "[data-testid=lesson-steps][aria-live=polite]").is_some(), "narration is announced");
    let clock = find(&root, "[data-testid=sim-clock]").unwrap().text_content().unwrap();
    assert_eq!(clock, "2.000 s", "paused exactly at the question");
    assert!(find(&root, "[data-testid=play-pause]").unwrap().text_content().unwrap().contains("Play"), "paused");
    assert!(find(&root, "[data-testid=lesson-check]").is_none(), "no verdict before check_at");

    // Every choice is a labelled radio; pick the first (right for quickstart: offset 0).
    for i in 0..3 {
        let radio = find(&root, &format!("[data-testid=lesson-choice-{i}] input[type=radio]"));
        assert!(radio.is_some(), "choice {i} is a radio inside its label");
    }
    assert!(find(&root, "[data-testid=lesson-choice-3]").is_none(), "three choices");
    let choice = find(&root, "[data-testid=lesson-choice-0] input").unwrap();
    click(&choice);
    wait_for(&root, "[data-testid=lesson-choice-0] input", |e| {
        e.clone().dyn_into::<web_sys::HtmlInputElement>().unwrap().checked()
    })
    .await;

    click(&wait_for(&root, "[data-testid=lesson-play]", |_| true).await);
    let check = wait_for(&root, "[data-testid=lesson-check]", |_| true).await;
    let text = check.text_content().unwrap_or_default();
    assert!(text.starts_with("Right."), "{text}");
    assert!(text.contains("auto.offset.reset"), "the explanation follows: {text}");
    assert_eq!(
        find(&root, "[data-testid=sim-clock]").unwrap().text_content().unwrap(),
        "6.500 s",
        "paused at check_at"
    );
    assert!(
        find(&root, "[data-testid=lesson-choice-1] input")
            .unwrap()
            .dyn_into::<web_sys::HtmlInputElement>()
            .unwrap()
            .disabled(),
        "locked after the check"
    );
}
