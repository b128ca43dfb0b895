data "keyhouse_scopes" "all" {}

output "scopes" {
  value = data.keyhouse_scopes.all.names
}
