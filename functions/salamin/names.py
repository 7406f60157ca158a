"""Firestore collection names and task-queue function names, each spelled once.

The web app keeps its own copy of the collection names (web/src); docs/architecture.md lists both.
"""

from __future__ import annotations

# Top-level collections.
USERS = "users"
USER_STATS = "userStats"
COMMUNITY_PROFILES = "communityProfiles"
DIRECTORY_INDEX = "directoryIndex"  # function-only: directoryIndex/{sort}/by-{sort}/{key}_{uid}
DIRECTORY_ENTRIES = "directoryEntries"  # function-only: the index paths each member has (directory.py)
MATCHING_QUEUE = "matchingQueue"
MATCH_WAITS = "matchWaits"  # function-only: one anonymous wait sample per matched person (waiting screen)
SESSIONS = "peerSessions"
QUESTION_BANK = "questionBank"
CONFIG = "config"
QUESTION_BANK_META = "questionBank"  # config/questionBank: the loaded bank's version
INVITATIONS = "invitations"
INVITE_LINKS = "inviteLinks"  # server-only: a private link's hashed token
REPORTS = "reports"

# Under users/{uid}.
NOTIFICATIONS = "notifications"

# Under peerSessions/{sessionId}.
SERVER = "server"  # function-only documents (budget, plan, match, docsTimer, runLimiter)
PRIVATE = "private"
CODE = "code"
CODE_UPDATES = "codeUpdates"
BOARD = "board"
BOARD_UPDATES = "boardUpdates"
FEEDBACK = "feedback"
RUNS = "runs"
PRESENCE = "presence"
SIGNALING = "signaling"

# Task-queue functions (functions/main.py defines one of each under this very name).
MATCH_RETRY = "matchRetry"
MATCH_TIMEOUT = "matchTimeout"
SESSION_NO_SHOW = "sessionNoShow"
SESSION_PHASE_TIMER = "sessionPhaseTimer"
SESSION_HARD_STOP = "sessionHardStop"
SESSION_FEEDBACK_DEADLINE = "sessionFeedbackDeadline"
SESSION_DOCS_TICK = "sessionDocsTick"
INVITATION_START = "invitationStart"
INVITATION_EXPIRE = "invitationExpire"
DIRECTORY_REFRESH = "directoryRefresh"  # a deferred directory refresh, or the end of a suspension
TASK_QUEUES = (MATCH_RETRY, MATCH_TIMEOUT, SESSION_NO_SHOW, SESSION_PHASE_TIMER, SESSION_HARD_STOP,
               SESSION_FEEDBACK_DEADLINE, SESSION_DOCS_TICK, INVITATION_START, INVITATION_EXPIRE,
               DIRECTORY_REFRESH)
