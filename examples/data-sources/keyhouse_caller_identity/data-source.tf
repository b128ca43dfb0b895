data "keyhouse_caller_identity" "me" {}

output "acting_as" {
  value = data.keyhouse_caller_identity.me.id
}
