"""The resources, one module each."""

from keyhouse_provider.base import KeyhouseResource
from keyhouse_provider.resources.api_key import ApiKey
from keyhouse_provider.resources.iam_policy import IamPolicy
from keyhouse_provider.resources.policy_attachment import PolicyAttachment
from keyhouse_provider.resources.project import Project
from keyhouse_provider.resources.project_member import ProjectMember
from keyhouse_provider.resources.role import Role
from keyhouse_provider.resources.secret import Secret
from keyhouse_provider.resources.settings import Settings
from keyhouse_provider.resources.user import User

RESOURCES: tuple[type[KeyhouseResource], ...] = (
    ApiKey,
    IamPolicy,
    PolicyAttachment,
    Project,
    ProjectMember,
    Role,
    Secret,
    Settings,
    User,
)
