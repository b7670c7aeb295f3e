"""The HIPAA access-log review (issue 5): load -> integrity suite -> detection -> cases."""
