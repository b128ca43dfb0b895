"""The data sources, one module each."""

from keyhouse_provider.base import KeyhouseDataSource
from keyhouse_provider.data_sources.api_key import ApiKeyData
from keyhouse_provider.data_sources.caller_identity import CallerIdentity
from keyhouse_provider.data_sources.iam_policy_document import IamPolicyDocument
from keyhouse_provider.data_sources.scopes import Scopes
from keyhouse_provider.data_sources.secret import SecretData

DATA_SOURCES: tuple[type[KeyhouseDataSource], ...] = (
    ApiKeyData,
    CallerIdentity,
    IamPolicyDocument,
    Scopes,
    SecretData,
)
