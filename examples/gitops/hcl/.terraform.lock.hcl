# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/keyhouse/keyhouse" {
  version     = "0.1.0"
  constraints = "0.1.0"
  hashes = [
    "h1:29+A8hEHX9DxlbRSB+NEjOodf0ek+OgyH4QFjTckC9o=",
  ]
}
