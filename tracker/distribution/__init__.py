"""distribution"""
