data "keyhouse_api_key" "ci" {
  id = "abcdefghijklmnop"
}

output "ci_key_status" {
  value = data.keyhouse_api_key.ci.status
}
