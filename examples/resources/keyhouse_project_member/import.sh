# A membership is imported by <project>/user/<name> or <project>/role/<name>.
terraform import keyhouse_project_member.alice featurestore/user/alice
terraform import keyhouse_project_member.databricks featurestore/role/databricks-cluster
