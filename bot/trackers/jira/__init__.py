"""Jira Cloud: search sync over ``/rest/api/3/search/jql`` and claim write-back."""
