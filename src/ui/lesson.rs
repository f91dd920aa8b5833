//! The lesson panel: the scenario's narration as the run reaches each step,
//! and its predict-then-check question. The reducer owns the progress
//! (`state::LessonProgress`: steps reached, the pauses at the question's
//! `at` and `check_at`, the choice); this view only shows it and reports a
//! pick. Self-contained (`data-testid="lesson"`) so an embedding page can
//! show it next to the cluster and the log.

use yew::prelude::*;

use super::model::format_time;
use super::state::{LessonProgress, QuestionPhase, Shared};
use crate::engine::scenario::Lesson;

pub struct LessonPanelProps {
    pub lesson: Shared<Lesson>,
    pub progress: LessonProgress,
    pub playing: bool,
    /// A choice was picked (its index).
    pub on_answer: Callback<u32>,
    pub on_play: Callback<()>,
}

/// The panel. A function, not a component: a handful of elements, redrawn
/// with the app (the cost of a component type in the wasm is not worth
/// skipping them).
pub fn lesson_panel(props: LessonPanelProps) -> Html {
    let LessonPanelProps { lesson, progress, playing, on_answer, on_play } = &props;
    let reached = progress.reached as usize;
    let steps = lesson.steps.iter().take(reached).enumerate().map(|(i, step)| {
        let class = if i + 1 == reached { "lesson-step lesson-step-current" } else { "lesson-step" };
        html! { <li class={class}><span class="lesson-time">{ format_time(step.at) }</span>{ " " }{ step.text.clone() }</li> }
    });
    let waiting = reached == 0 && progress.phase == QuestionPhase::Ahead;
    let question = lesson.question.as_ref().filter(|_| progress.phase != QuestionPhase::Ahead).map(|q| {
        let checked = progress.phase == QuestionPhase::Checked;
        let choices = q.choices.iter().enumerate().map(|(i, text)| {
            let i = i as u32;
            let onchange = on_answer.reform(move |_: Event| i);
            let class = if checked && i == q.answer { "lesson-choice lesson-choice-right" } else { "lesson-choice" };
            html! {
                <label class={class} data-testid={format!("lesson-choice-{i}")}>
                    <input type="radio" name="lesson-choice" value={i.to_string()}
                        checked={progress.chosen == Some(i)} disabled={checked} {onchange} />
                    <span>{ text.clone() }</span>
                    if checked && i == q.answer { <strong class="lesson-mark">{ " ✓ what happened" }</strong> }
                </label>
            }
        });
        let hint = match (checked, progress.chosen) {
            (true, _) => None,
            (false, None) => Some(format!("Pick what you expect, then play on: the run pauses at {} to check.", format_time(q.check_at))),
            (false, Some(_)) => Some(format!("Play on: the run pauses at {} to check.", format_time(q.check_at))),
        };
        let verdict = checked.then(|| {
            let (class, text) = match progress.verdict(lesson) {
                Some(true) => ("lesson-verdict lesson-right", "Right.".to_string()),
                Some(false) => ("lesson-verdict lesson-wrong", format!("Not this time: it was “{}”.", q.choices[q.answer as usize])),
                None => ("lesson-verdict", format!("What happened: “{}”.", q.choices[q.answer as usize])),
            };
            html! {
                <div class={class} data-testid="lesson-check">
                    <p><strong>{ text }</strong></p>
                    <p>{ q.explanation.clone() }</p>
                </div>
            }
        });
        html! {
            <fieldset class="lesson-question" role="radiogroup" aria-labelledby="lesson-prompt" data-testid="lesson-question">
                <legend id="lesson-prompt">{ q.prompt.clone() }</legend>
                { for choices }
                if let Some(hint) = hint {
                    <p class="lesson-hint">
                        { hint }
                        if !*playing {
                            { " " }
                            <button class="btn btn-primary" data-testid="lesson-play" onclick={on_play.reform(|_: MouseEvent| ())}>{ "Play on" }</button>
                        }
                    </p>
                }
                <div aria-live="polite">{ for verdict }</div>
            </fieldset>
        }
    });
    html! {
        <section class="panel lesson" aria-labelledby="lesson-title" data-testid="lesson">
            <h2 id="lesson-title">{ "Lesson" }</h2>
            if waiting { <p class="lesson-hint">{ "Press play: the narration follows the run." }</p> }
            <ol class="lesson-steps" aria-live="polite" data-testid="lesson-steps">{ for steps }</ol>
            { for question }
        </section>
    }
}
