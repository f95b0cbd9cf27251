sim.http{url = "file:///etc/passwd"}
