check(true, "this one holds")
check(false, "the sky is green")
check(1 + 1 == 2, "arithmetic")
