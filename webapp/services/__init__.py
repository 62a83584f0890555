"""The rules, as verbs. Views call these and stay short."""

from .clients import create_client, search_clients, update_client
from .errors import Conflict, Forbidden, InvalidAnswers, InvalidInput, NotFound, ServiceError
from .interventions import add_tag, cancel_intervention, change_status, load_intervention, remove_tag, schedule_intervention, update_intervention
from .submissions import save_submission
from .users import create_user, set_active, update_user

__all__ = [
    "Conflict", "Forbidden", "InvalidAnswers", "InvalidInput", "NotFound", "ServiceError",
    "add_tag", "cancel_intervention", "change_status", "create_client", "create_user",
    "load_intervention", "remove_tag", "save_submission", "schedule_intervention",
    "search_clients", "set_active", "update_client", "update_intervention", "update_user",
]
