"""Deployable Cloud Functions. This module only wires: the logic lives in the salamin package."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from firebase_functions import firestore_fn, https_fn, options, params, scheduler_fn, tasks_fn

from salamin import (
    budgets,
    directory,
    doctimer,
    emulator,
    execution,
    firebase,
    interview,
    invitations,
    matchmaking,
    names,
    profiles,
    safety,
    sessions,
    signaling,
    tasks,
)
from salamin.errors import DomainError

# Production capacity (docs/capacity.md): an instance has one vCPU and serves up to 8 requests at once on
# threads (THREADS=8 in functions/.env; the handlers mostly wait on Firestore and share only thread-safe
# state), 512 MB; 40 instances per function at most, none kept warm but the queue trigger's one (below).
# The emulator ignores these.
options.set_global_options(region="us-central1", memory=options.MemoryOption.MB_512, cpu=1, concurrency=8,
                           max_instances=40, min_instances=0)

# TURN: the shared secret is a function secret (functions/.secret.local in the emulators, Secret Manager
# in production); the relay URLs are plain parameters (functions/.env, or .env.<project>).
TURN_SECRET = params.SecretParam("TURN_SECRET")
TURN_URLS = params.StringParam("TURN_URLS", default="turn:127.0.0.1:3478?transport=udp")
STUN_URLS = params.StringParam("STUN_URLS", default="stun:127.0.0.1:3478")
# The code runner (runner/): its URL is a plain parameter (functions/.env), the shared secret it expects in
# X-Runner-Secret a function secret (functions/.secret.local in the emulators, Secret Manager in production).
RUNNER_URL = params.StringParam("RUNNER_URL", default="http://127.0.0.1:8765")
RUNNER_SECRET = params.SecretParam("RUNNER_SECRET")
# Initialise the default Admin app at import: the callable wrapper verifies ID tokens with it before
# our code runs. It loads no credentials until first used, so deploy-time discovery stays offline.
firebase.app()
if firebase.in_functions_emulator():  # a local worker idle this long goes away (salamin/emulator.py)
    emulator.retire_when_idle(emulator.IDLE_S)


def _require_uid(req: https_fn.CallableRequest[Any]) -> str:
    if req.auth is None:
        raise https_fn.HttpsError(https_fn.FunctionsErrorCode.UNAUTHENTICATED, "Please sign in first.")
    if not profiles.is_member_token(req.auth.token):  # an anonymous sign-in reaches no member data
        raise https_fn.HttpsError(https_fn.FunctionsErrorCode.PERMISSION_DENIED,
                                  "Please sign in with your email address or Google account.")
    if not req.auth.uid:  # a verified ID token always names its user
        raise https_fn.HttpsError(https_fn.FunctionsErrorCode.UNAUTHENTICATED, "Please sign in first.")
    return req.auth.uid


P = ParamSpec("P")
R = TypeVar("R")


def _edge(fn: Callable[P, R]) -> Callable[P, R]:
    """The one place a module's DomainError becomes the HttpsError the caller sees (same code, same words).

    Callables answer with it; task handlers answer with its status, which the queue's retry policy reads
    (a task that is not due yet answers UNAVAILABLE and comes back).
    """

    @functools.wraps(fn)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DomainError as err:
            raise https_fn.HttpsError(https_fn.FunctionsErrorCode(err.code), err.message) from err

    return wrapped


PREFLIGHT_MAX_AGE_S = 3600


def _preflight_cached(handler: Any) -> Any:
    """The browser keeps a callable's CORS preflight answer for an hour instead of 5 s: firebase-functions'
    on_call sets no Access-Control-Max-Age, so each call more than 5 s after the last one paid a whole
    OPTIONS round trip to the function before its POST (on the way from a click on Run to its output)."""

    @functools.wraps(handler)
    def wrapped(request: Any) -> Any:
        response = handler(request)
        if request.method == "OPTIONS" and hasattr(response, "headers"):
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
        return response

    return wrapped


def _jsonable(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in doc.items()}


def _retried(fn: Any) -> Any:
    """Deliver a Firestore event again when its function raises (a transient Firestore or network error).

    firebase-functions 0.6 has no `retry` option for Firestore triggers and writes `retry: false` into the
    deploy manifest, so it is set on the endpoint here. Every trigger marked so is idempotent and logs and
    skips a document it cannot parse instead of raising (it would come back for days).
    """
    fn.__firebase_endpoint__.eventTrigger["retry"] = True
    return fn


# ---- profiles ----------------------------------------------------------------------------------------

@_preflight_cached
@https_fn.on_call()
@_edge
def bootstrapProfile(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    uid = _require_uid(req)
    data = req.data if isinstance(req.data, dict) else {}
    token = req.auth.token if req.auth else {}
    profile, created = profiles.bootstrap(
        firebase.db(), uid, token.get("email"), data.get("displayName") or token.get("name"), data.get("timeZone")
    )
    return {"profile": _jsonable(profile), "created": created}


# ---- community directory -------------------------------------------------------------------------------

@_preflight_cached
@https_fn.on_call()
@_edge
def searchDirectory(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return directory.search(firebase.db(), _require_uid(req), req.data)


# Keeps the derived directory fields (rating band, available now) and the member's directory index true to
# the profile, within the member's refresh budget (a refused refresh becomes one directoryRefresh task).
@_retried
@firestore_fn.on_document_written(document=f"{names.COMMUNITY_PROFILES}/{{uid}}")
def onCommunityProfileWritten(
        event: firestore_fn.Event[firestore_fn.Change[firestore_fn.DocumentSnapshot | None]]) -> None:
    before = event.data.before if event.data else None
    after = event.data.after if event.data else None
    directory.on_profile_written(firebase.db(), event.params["uid"],
                                 before.to_dict() if before is not None and before.exists else None,
                                 after.to_dict() if after is not None and after.exists else None)


# A member's directory refresh that their refresh budget deferred, or the end of a suspension (lists them
# again). Forced and idempotent (directory.on_refresh_task).
@tasks_fn.on_task_dispatched(retry_config=tasks.DIRECTORY_RETRY, rate_limits=tasks.DIRECTORY_RATE)
@_edge
def directoryRefresh(req: tasks_fn.CallableRequest[Any]) -> None:
    directory.on_refresh_task(firebase.db(), req.data)


@scheduler_fn.on_schedule(schedule="every 15 minutes")
def directoryAvailability(event: scheduler_fn.ScheduledEvent) -> None:
    directory.sweep_availability(firebase.db())


# ---- matching ----------------------------------------------------------------------------------------

@_retried
# One instance kept warm (docs/capacity.md, ~$10 a month): the first person to join after a quiet spell
# would otherwise wait out a cold start (1-2 s) before anyone is even looked at.
@firestore_fn.on_document_created(document=f"{names.MATCHING_QUEUE}/{{uid}}", min_instances=1)
def onQueueEntryCreated(event: firestore_fn.Event[firestore_fn.DocumentSnapshot | None]) -> None:
    created = event.data.to_dict() if event.data is not None else None
    matchmaking.on_entry_created(firebase.db(), event.params["uid"], created)


@tasks_fn.on_task_dispatched(retry_config=tasks.RETRY, rate_limits=tasks.TIMER_RATE)
@_edge
def matchRetry(req: tasks_fn.CallableRequest[Any]) -> None:
    matchmaking.handle_retry(firebase.db(), req.data)


@tasks_fn.on_task_dispatched(retry_config=tasks.TIMEOUT_RETRY, rate_limits=tasks.TIMER_RATE)
@_edge
def matchTimeout(req: tasks_fn.CallableRequest[Any]) -> None:
    matchmaking.handle_timeout(firebase.db(), req.data)


@_preflight_cached
@https_fn.on_call()
@_edge
def matchingStatus(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return matchmaking.status(firebase.db(), _require_uid(req))


@_preflight_cached
@https_fn.on_call()
@_edge
def takeMatchRole(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    uid = _require_uid(req)
    data = req.data if isinstance(req.data, dict) else {}
    return matchmaking.take_role(firebase.db(), uid, data.get("role"))


@_preflight_cached
@https_fn.on_call()
@_edge
def declineMatch(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    uid = _require_uid(req)
    data = req.data if isinstance(req.data, dict) else {}
    return matchmaking.decline(firebase.db(), uid, data.get("sessionId"))


@_preflight_cached
@https_fn.on_call()
@_edge
def askRematch(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    uid = _require_uid(req)
    data = req.data if isinstance(req.data, dict) else {}
    return matchmaking.ask_rematch(firebase.db(), uid, data.get("sessionId"))


# ---- session room ------------------------------------------------------------------------------------

@_preflight_cached
@https_fn.on_call(secrets=[TURN_SECRET])
@_edge
def getIceServers(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    uid = _require_uid(req)
    data = req.data if isinstance(req.data, dict) else {}
    sessions.session_for_participant(firebase.db(), data.get("sessionId"), uid)
    return signaling.ice_servers(uid, TURN_SECRET.value, signaling.split_urls(STUN_URLS.value),
                                 signaling.split_urls(TURN_URLS.value), time.time())


@_retried
@firestore_fn.on_document_written(document=f"{names.SESSIONS}/{{sessionId}}/{names.PRESENCE}/{{uid}}")
def onPresenceWritten(event: firestore_fn.Event[firestore_fn.Change[firestore_fn.DocumentSnapshot | None]]) -> None:
    after = event.data.after if event.data else None
    presence = after.to_dict() if after is not None and after.exists else None
    db, sid, uid = firebase.db(), event.params["sessionId"], event.params["uid"]
    sessions.mirror_presence(db, sid, uid, presence)
    if presence is not None:
        budgets.count_and_check(db, sid, "presence", uid, key=event.id)


# Counts each person's signaling messages against their budget (a call opens with a few dozen).
@_retried
@firestore_fn.on_document_created(document=f"{names.SESSIONS}/{{sessionId}}/{names.SIGNALING}/{{messageId}}")
def onSignalCreated(event: firestore_fn.Event[firestore_fn.DocumentSnapshot | None]) -> None:
    message = event.data.to_dict() if event.data is not None else None
    sender = (message or {}).get("from")
    if isinstance(sender, str) and sender:
        budgets.count_and_check(firebase.db(), event.params["sessionId"], "signaling", sender,
                                key=event.params["messageId"])


# ---- interview flow ------------------------------------------------------------------------------------

def _session_id(req: https_fn.CallableRequest[Any]) -> str:
    data = req.data if isinstance(req.data, dict) else {}
    return sessions.require_session_id(data.get("sessionId"))


@_preflight_cached
@https_fn.on_call()
@_edge
def joinSession(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return interview.join(firebase.db(), _session_id(req), _require_uid(req))


@_preflight_cached
@https_fn.on_call()
@_edge
def advancePhase(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    data = req.data if isinstance(req.data, dict) else {}
    return interview.advance(firebase.db(), _session_id(req), _require_uid(req), data.get("fromIndex"))


@_preflight_cached
@https_fn.on_call()
@_edge
def leaveSession(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return interview.leave(firebase.db(), _session_id(req), _require_uid(req))


@tasks_fn.on_task_dispatched(retry_config=tasks.LONG_TIMER_RETRY, rate_limits=tasks.TIMER_RATE)
@_edge
def sessionNoShow(req: tasks_fn.CallableRequest[Any]) -> None:
    interview.on_no_show(firebase.db(), req.data)


@tasks_fn.on_task_dispatched(retry_config=tasks.LONG_TIMER_RETRY, rate_limits=tasks.TIMER_RATE)
@_edge
def sessionPhaseTimer(req: tasks_fn.CallableRequest[Any]) -> None:
    interview.on_phase_timer(firebase.db(), req.data)


@tasks_fn.on_task_dispatched(retry_config=tasks.LONG_TIMER_RETRY, rate_limits=tasks.TIMER_RATE)
@_edge
def sessionHardStop(req: tasks_fn.CallableRequest[Any]) -> None:
    interview.on_hard_stop(firebase.db(), req.data)


@tasks_fn.on_task_dispatched(retry_config=tasks.LONG_TIMER_RETRY, rate_limits=tasks.TIMER_RATE)
@_edge
def sessionFeedbackDeadline(req: tasks_fn.CallableRequest[Any]) -> None:
    interview.on_feedback_deadline(firebase.db(), req.data)


@_retried
@firestore_fn.on_document_created(document=f"{names.SESSIONS}/{{sessionId}}/{names.FEEDBACK}/{{fromUid}}")
def onFeedbackCreated(event: firestore_fn.Event[firestore_fn.DocumentSnapshot | None]) -> None:
    interview.on_feedback(firebase.db(), event.params["sessionId"], event.params["fromUid"])
    feedback = event.data.to_dict() if event.data is not None else None
    # wouldPracticeAgain is a rematch wish ("Practise again with ..."); matching pairs mutual wishes first.
    matchmaking.note_rematch_wish(firebase.db(), event.params["sessionId"], event.params["fromUid"],
                                  (feedback or {}).get("wouldPracticeAgain"))


# ---- shared code editor --------------------------------------------------------------------------------

# No trigger per edit: one timer per live session compacts the code and the whiteboard and counts their
# write budgets (salamin/doctimer.py).
@tasks_fn.on_task_dispatched(retry_config=tasks.DOCS_RETRY, rate_limits=tasks.RATE)
@_edge
def sessionDocsTick(req: tasks_fn.CallableRequest[Any]) -> None:
    doctimer.on_tick(firebase.db(), req.data)


# A run has execution.TOTAL_BUDGET_S (110 s) in all, up to 30 s of waiting for a busy runner included.
@_preflight_cached
@https_fn.on_call(secrets=[RUNNER_SECRET], timeout_sec=120)
@_edge
def runCode(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return execution.run_code(firebase.db(), _require_uid(req), req.data, RUNNER_URL.value, RUNNER_SECRET.value)


# ---- community: invitations and safety (issue 17) -------------------------------------------------------

def _staff(req: https_fn.CallableRequest[Any]) -> str:
    uid = _require_uid(req)
    safety.require_staff(req.auth.token if req.auth else None)
    return uid


@_preflight_cached
@https_fn.on_call()
@_edge
def createInvitation(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return invitations.create(firebase.db(), _require_uid(req), req.data)


@_preflight_cached
@https_fn.on_call()
@_edge
def acceptInvitation(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return invitations.accept(firebase.db(), _require_uid(req), req.data)


@_preflight_cached
@https_fn.on_call()
@_edge
def declineInvitation(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return invitations.decline(firebase.db(), _require_uid(req), req.data)


@_preflight_cached
@https_fn.on_call()
@_edge
def withdrawInvitation(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return invitations.withdraw(firebase.db(), _require_uid(req), req.data)


@_preflight_cached
@https_fn.on_call()
@_edge
def createInviteLink(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return invitations.create_link(firebase.db(), _require_uid(req), req.data)


@_preflight_cached
@https_fn.on_call()
@_edge
def redeemInviteLink(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return invitations.redeem_link(firebase.db(), _require_uid(req), req.data)


@tasks_fn.on_task_dispatched(retry_config=tasks.LONG_TIMER_RETRY, rate_limits=tasks.RATE)
@_edge
def invitationStart(req: tasks_fn.CallableRequest[Any]) -> None:
    invitations.on_start_timer(firebase.db(), req.data)


@tasks_fn.on_task_dispatched(retry_config=tasks.LONG_TIMER_RETRY, rate_limits=tasks.RATE)
@_edge
def invitationExpire(req: tasks_fn.CallableRequest[Any]) -> None:
    invitations.on_expire_timer(firebase.db(), req.data)


@_preflight_cached
@https_fn.on_call()
@_edge
def blockMember(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return safety.block(firebase.db(), _require_uid(req), req.data)


@_preflight_cached
@https_fn.on_call()
@_edge
def unblockMember(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return safety.unblock(firebase.db(), _require_uid(req), req.data)


@_preflight_cached
@https_fn.on_call()
@_edge
def reportMember(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return safety.report(firebase.db(), _require_uid(req), req.data)


@_preflight_cached
@https_fn.on_call()
@_edge
def suspendMember(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return safety.suspend(firebase.db(), _staff(req), req.data)


@_preflight_cached
@https_fn.on_call()
@_edge
def liftSuspension(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    _staff(req)
    return safety.lift_suspension(firebase.db(), req.data)


@_preflight_cached
@https_fn.on_call()
@_edge
def closeReport(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return safety.close_report(firebase.db(), _staff(req), req.data)
