terraform {
  required_providers {
    keyhouse = {
      source  = "keyhouse/keyhouse"
      version = "~> 0.1"
    }
  }
}

variable "keyhouse_api_key" {
  type      = string
  sensitive = true
}

provider "keyhouse" {
  url     = "http://127.0.0.1:8787" # or KEYHOUSE_URL
  api_key = var.keyhouse_api_key    # or KEYHOUSE_API_KEY
}
