"""The customers' service: what other modules and the API call.

Every function works in the caller's transaction and never commits.
"""

from comptoir.customers.errors import (
    AddressNotFound,
    CustomerNotActive,
    CustomerNotFound,
    EmailAlreadyUsed,
    InvalidCustomer,
    MergeConflict,
    MergeNotFound,
)
from comptoir.customers.service.addresses import (
    add_address,
    get_address,
    list_addresses,
    remove_address,
    update_address,
)
from comptoir.customers.service.consents import (
    check_consent_choices,
    consent_history,
    current_consents,
    has_consent,
    record_consent,
    record_consent_choices,
    withdraw_consent,
)
from comptoir.customers.service.customers import (
    active_customer,
    create_customer,
    customer_out,
    display_name,
    erase_customer,
    find_by_email,
    find_by_phone,
    get_customer,
    list_customers,
    merge_target,
    resolve_customer,
    source_of_channel,
    update_customer,
)
from comptoir.customers.service.groups import (
    create_group,
    group_codes,
    list_groups,
    price_group,
    set_groups,
)
from comptoir.customers.service.merges import (
    merge_customers,
    merged_customers,
    merges_of,
    unmerge,
    with_merged_ids,
)
from comptoir.customers.service.panels import (
    DetailPanel,
    detail_panels,
    register_detail_panel,
    unregister_detail_panel,
)
from comptoir.customers.service.vat_checks import (
    check_vat_number,
    is_valid_vat_number,
    normalise_vat_number,
    record_vat_check,
)
from comptoir.customers.vies import VatCheck

__all__ = [
    "AddressNotFound",
    "CustomerNotActive",
    "CustomerNotFound",
    "DetailPanel",
    "EmailAlreadyUsed",
    "InvalidCustomer",
    "MergeConflict",
    "MergeNotFound",
    "VatCheck",
    "active_customer",
    "add_address",
    "check_consent_choices",
    "check_vat_number",
    "consent_history",
    "create_customer",
    "create_group",
    "current_consents",
    "customer_out",
    "detail_panels",
    "display_name",
    "erase_customer",
    "find_by_email",
    "find_by_phone",
    "get_address",
    "get_customer",
    "group_codes",
    "has_consent",
    "is_valid_vat_number",
    "list_addresses",
    "list_customers",
    "list_groups",
    "merge_customers",
    "merge_target",
    "merged_customers",
    "merges_of",
    "normalise_vat_number",
    "price_group",
    "record_consent",
    "record_consent_choices",
    "record_vat_check",
    "register_detail_panel",
    "remove_address",
    "resolve_customer",
    "set_groups",
    "source_of_channel",
    "unmerge",
    "unregister_detail_panel",
    "update_address",
    "update_customer",
    "with_merged_ids",
    "withdraw_consent",
]
