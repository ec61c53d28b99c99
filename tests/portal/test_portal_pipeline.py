"""Pipeline board, candidates search and events log in the browser, checked through the API."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.portal.conftest import Operator
from tests.portal.helpers import open_section, sign_in


def open_job(operator: Operator, title: str) -> str:
    job = operator.api.post("/api/v1/jobs", json={"title": title})
    assert job.status_code == 201, job.text
    job_id: str = job.json()["job"]["id"]
    assert operator.api.post(f"/api/v1/jobs/{job_id}/publish").status_code == 200
    return job_id


def apply(operator: Operator, job_id: str, first: str, last: str, **extra: Any) -> dict[str, Any]:
    response = operator.api.post(
        "/api/v1/applications",
        json={"jobId": job_id, "candidate": {"firstName": first, "lastName": last,
                                              "email": f"{first.lower()}@example.com", **extra}},
    )
    assert response.status_code == 201, response.text
    application: dict[str, Any] = response.json()["application"]
    return application


def test_move_a_card_across_the_board_and_the_stage_is_persisted(
    page: Any, operator: Operator
) -> None:
    job_id = open_job(operator, "Backend Engineer")
    ada = apply(operator, job_id, "Ada", "Lovelace")
    assert operator.api.patch(f"/api/v1/applications/{ada['id']}", json={"score": 87}).status_code == 200
    grace = apply(operator, job_id, "Grace", "Hopper")

    sign_in(page, operator)
    open_section(page, "Pipeline")
    page.get_by_label("Job").select_option(label="Backend Engineer (open)")

    new = page.get_by_role("listitem", name="New")
    expect(new.locator("article")).to_have_count(2)
    card = new.locator("article").filter(has_text="Ada Lovelace")
    expect(card).to_contain_text("Score 87")
    expect(page.get_by_role("listitem", name="Reference Check")).to_be_visible()

    card.get_by_label("New stage for Ada Lovelace").select_option(label="Interview")
    card.get_by_role("button", name="Move Ada Lovelace").click()

    interview = page.get_by_role("listitem", name="Interview")
    expect(interview.locator("article").filter(has_text="Ada Lovelace")).to_be_visible()
    expect(new.locator("article")).to_have_count(1)
    stored = operator.api.get(f"/api/v1/applications/{ada['id']}").json()["application"]
    assert stored["stage"] == "interview"

    # Dragging a card onto a column is the same API call.
    new.locator("article").filter(has_text="Grace Hopper").drag_to(page.get_by_role("listitem", name="Screening"))
    expect(page.get_by_role("listitem", name="Screening").locator("article")).to_contain_text("Grace Hopper")
    assert operator.api.get(f"/api/v1/applications/{grace['id']}").json()["application"]["stage"] == "screening"

    # Moving to the stage it is already in is refused by the API; the portal says why.
    moved = interview.locator("article").filter(has_text="Ada Lovelace")
    moved.get_by_role("button", name="Move Ada Lovelace").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert operator.api.get(f"/api/v1/applications/{ada['id']}").json()["application"]["stage"] == "interview"


def test_candidate_search_narrows_the_list(page: Any, operator: Operator) -> None:
    job_id = open_job(operator, "Designer")
    apply(operator, job_id, "José", "Álvarez", currentTitle="Product Designer")
    apply(operator, job_id, "Mia", "Müller", currentTitle="Illustrator")

    sign_in(page, operator)
    open_section(page, "Candidates")
    results = page.locator("main table tbody tr")
    expect(results).to_have_count(2)

    page.get_by_role("searchbox", name="Search").fill("jose")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results).to_have_count(1)
    expect(results).to_contain_text("José Álvarez")
    expect(results).to_contain_text("Product Designer")

    page.get_by_role("searchbox", name="Search").fill("nobody-by-this-name")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("No candidate matches this search.")).to_be_visible()


def test_events_log_lists_and_filters_what_happened(page: Any, operator: Operator) -> None:
    job_id = open_job(operator, "Recruiter")
    sign_in(page, operator)
    open_section(page, "Events")
    rows = page.locator("main table tbody tr")
    expect(rows.filter(has_text="job.published")).to_have_count(1)
    expect(rows.filter(has_text="job.created")).to_have_count(1)

    page.get_by_label("Type").fill("job.published")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    row = rows.first
    row.get_by_text("Payload").click()
    expect(row.locator("pre")).to_contain_text(job_id)


def test_write_to_a_candidate_and_follow_the_message(page: Any, operator: Operator) -> None:
    job_id = open_job(operator, "Support Lead")
    apply(operator, job_id, "Zoë", "Quinn")
    sign_in(page, operator)
    open_section(page, "Candidates")
    page.get_by_role("button", name="E-mail Zoë Quinn").click()
    compose = page.get_by_role("form", name="Compose e-mail")
    compose.get_by_label("Subject").fill("Your interview on Tuesday")
    compose.get_by_label("Message").fill("Hi Zoë, see you at 10:00.")
    compose.get_by_role("button", name="Send e-mail").click()
    expect(page.get_by_role("status")).to_contain_text("E-mail to Zoë Quinn is queued (smtp not configured)")

    (message,) = operator.api.get("/api/v1/messages").json()["messages"]
    assert (message["to"], message["subject"], message["text"]) == (
        "zoë@example.com", "Your interview on Tuesday", "Hi Zoë, see you at 10:00."
    )

    open_section(page, "Messages")
    row = page.locator("main tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Your interview on Tuesday")
    expect(row).to_contain_text("queued")
    page.get_by_label("Status").select_option("sent")
    expect(page.get_by_text("No messages yet.")).to_be_visible()
