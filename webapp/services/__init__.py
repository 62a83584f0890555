"""The rules, as verbs. Views call these and stay short.

Layers, each importing only those below it (a test checks there is no cycle): ``errors``,
``audit``, ``work`` (facts of an intervention's work) -> ``access``, ``policy`` (who may
do what) -> ``equipment`` (answers update it once done) -> ``interventions`` ->
``signatures``, ``submissions`` -> ``reports`` -> ``workflow`` (Finish queues the report).
"""

from .clients import create_client, search_clients, update_client
from .errors import Conflict, Forbidden, InvalidAnswers, InvalidInput, NotFound, ServiceError
from .interventions import add_tag, load_intervention, remove_tag, schedule_intervention, update_intervention
from .submissions import save_submission
from .users import create_user, set_active, update_user
from .workflow import cancel_intervention, transition

__all__ = [
    "Conflict", "Forbidden", "InvalidAnswers", "InvalidInput", "NotFound", "ServiceError",
    "add_tag", "cancel_intervention", "create_client", "create_user", "load_intervention", "remove_tag",
    "save_submission", "schedule_intervention", "search_clients", "set_active", "transition", "update_client",
    "update_intervention", "update_user",
]
