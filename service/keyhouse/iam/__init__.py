"""IAM: the policy language, its evaluation, and the policies every principal holds."""
