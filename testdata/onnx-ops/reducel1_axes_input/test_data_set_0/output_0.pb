ByJÍ
B^BüAG2êA