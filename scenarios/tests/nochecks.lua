-- nochecks.lua: runs to its end without a check: an error, not a pass.
print("this scenario checks nothing")
