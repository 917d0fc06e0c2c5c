module goro-workloads

go 1.23
