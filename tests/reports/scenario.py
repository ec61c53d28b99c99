"""A small hiring history with known answers, inserted as ORM rows with exact timestamps.

Hours are relative to T0. Stage timelines (→ marks a StageChange row; the first is the
creation record from no stage to `new`):

A1 Alice  J1  new@0 → screening@24 → interview@72 → offer@120 → hired@240     hired
A2 Alice  J1  new@1 → screening@13 → interview@61, rejected@85                 rejected
A3 Bob    J1  new@2 → screening@50 → interview@98 → offer@146 → hired@338      hired
A4 Bob    J1  new@3 → interview@27 (skips screening)                           active
A5 —      J1  new@4, withdrawn@10                                              withdrawn
A6 —      J2  new@5 → screening@11 → interview@35 → offer@59                   active
A8 Bob    J1  created@6 in `hired` with no history rows (imported), hired@54  hired
A7 Alice  J2  new@-240 (before T0: outside the report range)                   active

Offers (all sent): A1 accepted; A2 withdrawn; A3 declined then accepted; A6 expired.
Interviews: A1 2 completed; A2 1 completed; A3 1 completed + 1 cancelled; A4 1 scheduled;
A6 1 completed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from recruitiq.kit.ids import new_id
from recruitiq.models import Application, Candidate, Interview, Job, Offer, StageChange

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@dataclass
class Seeded:
    job1: str
    job2: str
    applications: dict[str, str]


def seed_history(session, organization_id: str, alice_id: str, bob_id: str) -> Seeded:
    def job(title: str) -> str:
        row = Job(id=new_id("job"), organization_id=organization_id, title=title, status="open")
        session.add(row)
        session.flush()  # no ORM relationships: parents go in before their children
        return row.id

    j1, j2 = job("Backend Engineer"), job("Designer")
    apps: dict[str, str] = {}

    def application(name, job_id, owner, created, stage, status, timeline, **moments):
        candidate = Candidate(
            id=new_id("cand"), organization_id=organization_id, first_name=name,
            last_name="Example", email=f"{name.lower()}@example.com",
            created_at=at(created), updated_at=at(created),
        )
        session.add(candidate)
        session.flush()
        app = Application(
            id=new_id("app"), organization_id=organization_id, job_id=job_id,
            candidate_id=candidate.id, stage=stage, status=status, assigned_to_id=owner,
            created_at=at(created), updated_at=at(created), stage_entered_at=at(created),
            **{key: at(hours) for key, hours in moments.items()},
        )
        session.add(app)
        session.flush()
        previous = None
        for to_stage, hours in timeline:
            session.add(StageChange(
                id=new_id("stg"), organization_id=organization_id, application_id=app.id,
                from_stage=previous, to_stage=to_stage, actor_type="user", actor_id=None,
                changed_at=at(hours),
            ))
            previous = to_stage
        apps[name] = app.id
        return app.id

    a1 = application("A1", j1, alice_id, 0, "hired", "hired",
                     [("new", 0), ("screening", 24), ("interview", 72), ("offer", 120), ("hired", 240)],
                     hired_at=240)
    a2 = application("A2", j1, alice_id, 1, "interview", "rejected",
                     [("new", 1), ("screening", 13), ("interview", 61)], rejected_at=85)
    a3 = application("A3", j1, bob_id, 2, "hired", "hired",
                     [("new", 2), ("screening", 50), ("interview", 98), ("offer", 146), ("hired", 338)],
                     hired_at=338)
    a4 = application("A4", j1, bob_id, 3, "interview", "active", [("new", 3), ("interview", 27)])
    application("A5", j1, None, 4, "new", "withdrawn", [("new", 4)], withdrawn_at=10)
    a6 = application("A6", j2, None, 5, "offer", "active",
                     [("new", 5), ("screening", 11), ("interview", 35), ("offer", 59)])
    application("A8", j1, bob_id, 6, "hired", "hired", [], hired_at=54)
    application("A7", j2, alice_id, -240, "new", "active", [("new", -240)])
    session.flush()

    def offer(app_id: str, status: str, sent: float) -> None:
        session.add(Offer(
            id=new_id("off"), organization_id=organization_id, application_id=app_id,
            salary=100000, currency="EUR", start_date=date(2027, 1, 1),
            expires_at=at(sent + 168), status=status, sent_at=at(sent), responded_at=at(sent + 24),
        ))
        session.flush()  # one open offer per application at a time

    offer(a1, "accepted", 200)
    offer(a2, "withdrawn", 70)
    offer(a3, "declined", 150)
    offer(a3, "accepted", 300)
    offer(a6, "expired", 60)

    def interview(app_id: str, status: str, hours: float) -> None:
        session.add(Interview(
            id=new_id("int"), organization_id=organization_id, application_id=app_id,
            scheduled_at=at(hours), status=status,
            completed_at=at(hours + 1) if status == "completed" else None,
        ))

    for app_id, status, hours in [
        (a1, "completed", 80), (a1, "completed", 100), (a2, "completed", 65),
        (a3, "completed", 100), (a3, "cancelled", 110), (a4, "scheduled", 400),
        (a6, "completed", 40),
    ]:
        interview(app_id, status, hours)
    session.flush()
    return Seeded(j1, j2, apps)
