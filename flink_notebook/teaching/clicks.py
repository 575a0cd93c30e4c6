"""``clicks``: page views of users, in sessions."""

from __future__ import annotations

from flink_notebook.teaching.ddl import Relation, datagen, view
from flink_notebook.teaching.sql_values import at, chance, choice, pick

LANES = 20  # users browsing at once; a user always browses in the same lane
USERS_PER_LANE = 10
STEP = 30  # seconds between a lane's page views (plus up to 19 s)
SESSION_STEPS = 40  # a lane's session starts every 20 minutes, lasts 2-20 views
PAGES = ("'/'", "'/search'", "'/products'", "'/products/kettle'", "'/products/lamp'",
         "'/products/chair'", "'/cart'", "'/checkout'", "'/help'")


def build(seed: int, slots: int, speed: float | None) -> list[Relation]:
    users = LANES * USERS_PER_LANE
    lane = f"MOD(view_slot, {LANES})"
    step = f"view_slot / {LANES}"
    session = f"(view_slot / {LANES * SESSION_STEPS} * {LANES} + {lane})"
    user_rows = datagen("clicks_users", "user_id", users, [
        ("country", choice(seed, "country", "user_id",
                           ("'DE'", "'FR'", "'US'", "'BR'", "'IN'", "'JP'"))),
        ("plan", f"CASE WHEN {chance(seed, 'plan', 'user_id', 0.2)} THEN 'pro' ELSE 'free' END"),
        ("signed_up", at(f"-{pick(seed, 'signed-up', 'user_id', 365 * 86400)}")),
    ], None, 0, users, None)
    view_slots = datagen("clicks_view_slots", "view_slot", slots, [
        ("user_id", f"CAST({lane} + {LANES} * {pick(seed, 'user', session, USERS_PER_LANE)}"
                    " AS INT)"),
        ("session_id", session),
        ("in_session", f"MOD({step}, {SESSION_STEPS}) < "
                       f"2 + {pick(seed, 'session-length', session, 19)}"),
        ("page", choice(seed, "page", "view_slot", PAGES)),
        ("event_time", at(f"{step} * {STEP} + {pick(seed, 'view-time', 'view_slot', 20)}")),
    ], "event_time", 30, LANES / STEP, speed)
    page_views = view("clicks_page_views", """SELECT view_slot AS view_id, user_id, session_id,
  page, event_time
FROM clicks_view_slots
WHERE in_session""")
    return [user_rows, view_slots, page_views]
