# A role is imported by its name.
terraform import keyhouse_role.databricks databricks-cluster
