# An attachment is imported by <policy name>/user/<name> or <policy name>/role/<name>.
terraform import keyhouse_policy_attachment.cluster_reads_token read-cluster-token/role/databricks-cluster
