"""关怀: hardship files and the support given (困难职工建档与帮扶), and welfare
handed out on both campuses (福利发放)."""
