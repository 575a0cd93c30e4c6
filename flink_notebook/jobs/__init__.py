"""Jobs on any cluster: the JobClient handle (FLIP-74), the REST client that watches and
steers them, the Pipeline an executor submits, and handles for jobs started elsewhere."""
