"""The CDKTF app: one stack per seed workflow (``cdktf.json`` at the repository root).

| stack | seed | what it declares |
|---|---|---|
| ``cluster-access`` | 000 | a cluster role's key in a project secret only that role reads |
| ``api-keys`` | 001, 003 | personal keys and a team's named keys, told apart by prefix |
| ``model-keys`` | 002 | the admin's lifetime settings and expiring keys per model collaborator |
| ``project-secrets`` | 004 | project-shared text and file secrets, a private one, a read grant |

Every stack configures the provider from the environment (``KEYHOUSE_URL``,
``KEYHOUSE_API_KEY``) when Terraform runs, so neither is written into
``cdktf.out``. ``KEYHOUSE_CDK_STATE_DIR`` moves the stacks' local state files.
"""

STATE_DIR_ENV = "KEYHOUSE_CDK_STATE_DIR"
"""Where the stacks keep their state files (default: CDKTF's, the project root)."""
